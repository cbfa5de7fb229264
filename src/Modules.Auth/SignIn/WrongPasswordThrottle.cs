using System.Threading.RateLimiting;
using GoMicro.Shared.Web.Errors;
using GoMicro.Shared.Web.RateLimiting;
using Microsoft.Extensions.Options;

namespace GoMicro.Modules.Auth.SignIn;

/// <summary>
/// Throttles password guessing per account (<see cref="RateLimitingOptions.WrongPasswordsPerAccount"/>, ADR 0018): once an
/// account received the allowed number of wrong passwords in a window, every sign-in to it is answered 429 until the
/// window ends, the right password included (otherwise guessing would simply go on). Counted per user id, so it holds
/// whatever addresses the guesses come from and never touches other accounts behind the same address.
/// </summary>
/// <remarks>
/// Built on <see cref="System.Threading.RateLimiting"/>'s partitioned fixed-window limiter, which counts failures here
/// only after they happened; so that parallel guesses cannot all pass the check before the first failure is counted,
/// the attempts on one account take turns (a partitioned concurrency limiter of one, with a short queue). Partitions
/// of accounts that are left alone are dropped by the library, so memory follows the accounts under attack.
/// </remarks>
internal sealed class WrongPasswordThrottle : IDisposable
{
    /// <summary>429 text while an account is throttled.</summary>
    public const string TooManyWrongPasswords = "too many wrong passwords: try again later";

    /// <summary>Attempts on one account that may wait for their turn; more at once are answered 429 at once. A person
    /// never has this many sign-ins of one account in flight.</summary>
    private const int WaitingAttemptsPerAccount = 8;

    /// <summary><c>Retry-After</c> when the queue of attempts is full: the turns are one password check long.</summary>
    private static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(1);

    private readonly TimeSpan _window;
    private readonly PartitionedRateLimiter<Guid>? _failures;
    private readonly PartitionedRateLimiter<Guid>? _turns;

    public WrongPasswordThrottle(IOptions<RateLimitingOptions> options)
    {
        var rule = options.Value.WrongPasswordsPerAccount;
        _window = rule.Window;
        if (!rule.Enabled) return;
        _failures = PartitionedRateLimiter.Create<Guid, Guid>(userId => RateLimitPartition.GetFixedWindowLimiter(userId,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = rule.PermitLimit, Window = rule.Window, QueueLimit = 0 }));
        _turns = PartitionedRateLimiter.Create<Guid, Guid>(userId => RateLimitPartition.GetConcurrencyLimiter(userId,
            _ => new ConcurrencyLimiterOptions { PermitLimit = 1, QueueLimit = WaitingAttemptsPerAccount, QueueProcessingOrder = QueueProcessingOrder.OldestFirst }));
    }

    /// <summary>Waits for this account's turn and checks it may try a password now; dispose the result once the password
    /// was checked and, when wrong, <see cref="Attempt.RecordFailure"/> called.</summary>
    /// <exception cref="ApiException">429 with <c>Retry-After</c>: the account is throttled, or too many attempts wait.</exception>
    public async ValueTask<Attempt> BeginAsync(Guid userId, CancellationToken cancellationToken)
    {
        if (_failures is null || _turns is null) return default;
        var turn = await _turns.AcquireAsync(userId, 1, cancellationToken);
        if (!turn.IsAcquired)
        {
            turn.Dispose();
            throw ApiException.TooManyRequests(TooManyWrongPasswords, BusyRetryAfter);
        }
        // Zero permits: asks whether any failure is left in this window without using one.
        using var room = _failures.AttemptAcquire(userId, 0);
        if (!room.IsAcquired)
        {
            turn.Dispose();
            // The library states the whole window (not what is left of it), an upper bound the client can trust.
            throw ApiException.TooManyRequests(TooManyWrongPasswords,
                room.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _window);
        }
        return new Attempt(_failures, userId, turn);
    }

    public void Dispose()
    {
        _failures?.Dispose();
        _turns?.Dispose();
    }

    /// <summary>One account's turn to check a password (a no-op when the rule is off).</summary>
    internal readonly struct Attempt(PartitionedRateLimiter<Guid>? failures, Guid userId, RateLimitLease? turn) : IDisposable
    {
        /// <summary>Counts a wrong password against the account.</summary>
        public void RecordFailure() => failures?.AttemptAcquire(userId, 1).Dispose();

        /// <summary>Ends the turn: the next attempt on the account may go.</summary>
        public void Dispose() => turn?.Dispose();
    }
}
