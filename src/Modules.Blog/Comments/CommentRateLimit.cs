using System.Threading.RateLimiting;
using GoMicro.Shared.Web.Errors;
using GoMicro.Shared.Web.RateLimiting;
using Microsoft.Extensions.Options;

namespace GoMicro.Modules.Blog.Comments;

/// <summary>
/// <see cref="RateLimitingOptions.CommentsPerUser"/> (default 10 a minute per user): a fixed window per user id on
/// <see cref="System.Threading.RateLimiting"/>'s partitioned limiter, the one ASP.NET Core's rate-limiting middleware
/// runs on. Not a middleware policy: the middleware runs before authentication (ADR 18, so a refused request costs no
/// token check) and cannot know the user, and a limit keyed by anything the client sends unverified (the token's
/// <c>sub</c>) would let anyone use up someone else's comments. So the comment endpoint asks here once the user is
/// authenticated and the body valid. Counted per process, as every limit is (README, "Several instances").
/// </summary>
internal sealed class CommentRateLimit : IDisposable
{
    /// <summary><c>Retry-After</c> when the lease names none (a fixed window always does).</summary>
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);

    private readonly PartitionedRateLimiter<Guid>? _limiter;

    public CommentRateLimit(IOptions<RateLimitingOptions> options)
    {
        var rule = options.Value.CommentsPerUser;
        if (!rule.Enabled) return;
        _limiter = PartitionedRateLimiter.Create<Guid, Guid>(userId => RateLimitPartition.GetFixedWindowLimiter(userId,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = rule.PermitLimit, Window = rule.Window, QueueLimit = 0 }));
    }

    /// <summary>Counts one comment of <paramref name="userId"/>.</summary>
    /// <exception cref="ApiException">429 <c>too many requests</c> with <c>Retry-After</c>: the user's comments for this window are used up.</exception>
    public void Count(Guid userId)
    {
        if (_limiter is null) return;
        using var lease = _limiter.AttemptAcquire(userId);
        if (!lease.IsAcquired)
            throw ApiException.TooManyRequests(TooManyRequests.Message,
                lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : DefaultRetryAfter);
    }

    /// <inheritdoc />
    public void Dispose() => _limiter?.Dispose();
}
