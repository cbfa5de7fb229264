using System.Diagnostics;
using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>
/// The API-key fail-safe is bounded (<c>ApiKey:FailSafeGrace</c>): while the Auth module cannot be reached, a key it found
/// valid keeps serving public reads, and only until the grace counted from that answer ends; then the read gets 503.
/// </summary>
public sealed class ApiKeyFailSafeTests(ApiKeyFailSafeTests.FailSafeTopology topology) : IClassFixture<ApiKeyFailSafeTests.FailSafeTopology>
{
    private const string PublicRead = "/blog/list/latest?page=1&limit=5";

    [Fact]
    public async Task A_key_valid_a_moment_ago_serves_public_reads_during_an_outage_until_the_grace_ends_then_503()
    {
        var state = topology.BlogHost.Services.GetRequiredService<IBusSubscriptionState>();
        (await topology.Blog.GetEnvelopeAsync(PublicRead)).ShouldSucceed();
        // CacheDuration is zero here, so that read asked the Auth module: the grace counts from (at most) now.
        var sinceValid = Stopwatch.StartNew();

        await topology.Nats.StopAsync();
        try
        {
            await Eventually.HoldsAsync(() => Task.FromResult(!state.IsReceiving), TimeSpan.FromSeconds(10), "the blog process notices NATS is gone");
            Assert.True(sinceValid.Elapsed < FailSafeTopology.Grace, "the outage began too late to observe the grace");
            (await topology.Blog.GetEnvelopeAsync(PublicRead)).ShouldSucceed();

            HttpStatusCode status;
            do
            {
                status = (await topology.Blog.GetEnvelopeAsync(PublicRead)).HttpStatus;
                Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"answered {(int)status}");
                Assert.True(sinceValid.Elapsed < FailSafeTopology.Grace + TimeSpan.FromSeconds(10), "still accepted long after the grace");
                if (status == HttpStatusCode.OK) await Task.Delay(100);
            } while (status == HttpStatusCode.OK);

            // Refused once the grace is over, not before (less a second for the read that recorded the key as valid).
            Assert.True(sinceValid.Elapsed > FailSafeTopology.Grace - TimeSpan.FromSeconds(1), $"refused after {sinceValid.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await topology.Nats.StartAgainAsync();
        }
    }

    /// <summary>The split services with a short fail-safe grace, and valid keys re-verified on every request so the grace
    /// starts at a moment the test knows.</summary>
    public sealed class FailSafeTopology : SplitTopology
    {
        /// <summary>The configured <c>ApiKey:FailSafeGrace</c>.</summary>
        public static readonly TimeSpan Grace = TimeSpan.FromSeconds(6);

        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["ApiKey:CacheDuration"] = "00:00:00";
            settings["ApiKey:FailSafeGrace"] = Grace.ToString();
        }
    }
}
