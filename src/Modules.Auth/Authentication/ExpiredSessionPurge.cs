using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GoMicro.Modules.Auth.Authentication;

/// <summary>
/// Deletes expired sessions (<see cref="Sessions.LiveSince"/>) every <see cref="AuthSessionOptions.PurgeInterval"/>, in batches
/// of <see cref="AuthSessionOptions.PurgeBatchSize"/>, so the keystore holds live sessions only. Every instance runs it;
/// deleting is idempotent, so they need no coordination. No event is written: both tokens of an expired session are
/// already refused by their own expiry, wherever they are cached.
/// </summary>
internal sealed class ExpiredSessionPurge(
    IServiceScopeFactory scopes, IOptions<AuthSessionOptions> options, IOptions<JwtOptions> jwtOptions, TimeProvider time,
    ILogger<ExpiredSessionPurge> logger) : BackgroundService
{
    private readonly AuthSessionOptions _options = options.Value;

    /// <summary>Deletes every expired session now.</summary>
    /// <returns>How many were deleted.</returns>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var total = 0;
        int deleted;
        do
        {
            var expiredBefore = Sessions.LiveSince(jwtOptions.Value, time);
            deleted = await db.Keystore.Where(k => k.CreatedAt <= expiredBefore)
                .OrderBy(k => k.CreatedAt).Take(_options.PurgeBatchSize)
                .ExecuteDeleteAsync(cancellationToken);
            total += deleted;
        } while (deleted == _options.PurgeBatchSize);
        return total;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.PurgeInterval, time);
        do
        {
            try
            {
                var deleted = await PurgeAsync(stoppingToken);
                if (deleted > 0) logger.LogInformation("Deleted {Count} expired sessions", deleted);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may be down for a while; the next round tries again.
                logger.LogWarning(ex, "Purging expired sessions failed; trying again in {Interval}", _options.PurgeInterval);
            }
        } while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
