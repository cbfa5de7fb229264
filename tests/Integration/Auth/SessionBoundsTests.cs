using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Auth.Authentication;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>
/// Sessions are bounded (Auth:Sessions): a user keeps at most MaxPerUser live sessions, a newer sign-in or refresh
/// ends the oldest exactly as a sign-out does (its token is refused and auth.events.session-ended announces it on the
/// bus), and the expired sessions are purged. Here MaxPerUser is 2, on the split services so the events travel over NATS.
/// </summary>
public sealed class SessionBoundsTests(SessionBoundsTests.Topology topology) : IClassFixture<SessionBoundsTests.Topology>
{
    /// <summary>The split services with <c>Auth:Sessions:MaxPerUser</c> = 2.</summary>
    public sealed class Topology : SplitTopology
    {
        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings) => settings["Auth:Sessions:MaxPerUser"] = "2";
    }

    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_third_sign_in_ends_the_oldest_session_like_a_sign_out_and_announces_it()
    {
        var first = await TestUsers.CreateAsync(topology);
        await using var events = await EventTap.StartAsync(topology.Nats.Url, AuthEvents.SessionEnded);

        var second = await TestUsers.SignInAsync(topology, first.Email, first.Password);
        (await ProfileAsync(first.AccessToken)).ShouldSucceed();
        var third = await TestUsers.SignInAsync(topology, first.Email, first.Password);
        // The auth instance that dropped it forgot its cached authentication before answering the sign-in.
        (await ProfileAsync(first.AccessToken)).ShouldFail(HttpStatusCode.Unauthorized);

        var ended = await events.WaitForAsync(e => e.GetProperty("sessionId").GetString() == EventTap.TokenId(first.AccessToken), Delivery);
        Assert.Equal(first.Id, ended.GetProperty("userId").GetGuid());
        Assert.Equal(SessionEndReasons.Limit, ended.GetProperty("reason").GetString());
        (await topology.Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = first.RefreshToken }, first.AccessToken))
            .ShouldFail(HttpStatusCode.Unauthorized);
        (await ProfileAsync(second.AccessToken)).ShouldSucceed();
        (await ProfileAsync(third.AccessToken)).ShouldSucceed();
        Assert.Equal(1, events.Count(e => e.GetProperty("userId").GetGuid() == first.Id));
    }

    [Fact]
    public async Task A_refresh_replaces_its_own_session_and_ends_no_other()
    {
        var first = await TestUsers.CreateAsync(topology);
        var second = await TestUsers.SignInAsync(topology, first.Email, first.Password);

        var refreshed = (await topology.Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = second.RefreshToken }, second.AccessToken))
            .ShouldSucceed().Data.GetProperty("accessToken").GetString()!;

        (await ProfileAsync(first.AccessToken)).ShouldSucceed();
        (await ProfileAsync(refreshed)).ShouldSucceed();
        Assert.Equal(2, await SessionCountAsync(first.Id));
    }

    [Fact]
    public async Task Concurrent_sign_ins_of_one_user_never_leave_more_than_the_limit()
    {
        var user = await TestUsers.CreateAsync(topology);

        var signIns = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = user.Email, password = user.Password })));

        Assert.All(signIns, s => s.ShouldSucceed());
        Assert.Equal(2, await SessionCountAsync(user.Id));
    }

    [Fact]
    public async Task The_purge_deletes_expired_sessions_and_keeps_live_ones()
    {
        var expired = await TestUsers.CreateAsync(topology);
        var live = await TestUsers.CreateAsync(topology);
        // Refresh tokens live 7 days (and 30 s of clock skew): 8 days old is expired, 6 days old is still live.
        await AgeSessionsAsync(expired.Id, TimeSpan.FromDays(8));
        await AgeSessionsAsync(live.Id, TimeSpan.FromDays(6));

        var deleted = await topology.AuthHost.Services.GetRequiredService<ExpiredSessionPurge>().PurgeAsync(CancellationToken.None);

        Assert.True(deleted >= 1, $"deleted {deleted}");
        Assert.Equal(0, await SessionCountAsync(expired.Id));
        Assert.Equal(1, await SessionCountAsync(live.Id));
        (await ProfileAsync(live.AccessToken)).ShouldSucceed();
    }

    private Task<Envelope> ProfileAsync(string accessToken) => topology.Auth.GetEnvelopeAsync("/auth/profile/mine", accessToken);

    private async Task<long> SessionCountAsync(Guid userId) =>
        await topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM keystore WHERE user_id = @id", ("id", userId));

    private Task AgeSessionsAsync(Guid userId, TimeSpan age) =>
        topology.AuthDatabase.ScalarAsync<object>("UPDATE keystore SET created_at = now() - @age WHERE user_id = @id", ("age", age), ("id", userId));
}
