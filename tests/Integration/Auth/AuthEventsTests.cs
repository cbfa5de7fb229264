using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Contracts.Auth;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>
/// The Auth module's <c>auth.events.*</c>, as another service sees them on NATS: each change (sign-out, refresh, role
/// grant/revoke by the admin command, API key creation and deactivation) is announced once it committed, through the Auth database's
/// outbox, and an event written while NATS is down is kept and published when it is back.
/// </summary>
public sealed class AuthEventsTests(SplitTopology topology) : IClassFixture<SplitTopology>
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Granting_and_revoking_a_role_with_the_admin_command_announces_user_changed()
    {
        var user = await TestUsers.CreateAsync(topology);
        await using var events = await EventTap.StartAsync(topology.Nats.Url, AuthEvents.UserChanged);

        Assert.Equal(0, (await topology.AuthHost.RunCommandAsync("user", "grant-role", user.Email, RoleCodes.Author)).ExitCode);
        await events.WaitForAsync(e => e.GetProperty("userId").GetGuid() == user.Id && e.GetProperty("change").GetString() == UserChanges.Roles, Delivery);
        Assert.Equal(0, (await topology.AuthHost.RunCommandAsync("user", "revoke-role", user.Email, RoleCodes.Author)).ExitCode);

        await Eventually.HoldsAsync(() => Task.FromResult(events.Count(e => e.GetProperty("userId").GetGuid() == user.Id) == 2), Delivery,
            "one event per command");
        await AssertOutboxEmptyAsync();
    }

    [Fact]
    public async Task Signing_out_and_refreshing_announce_session_ended_with_the_session_id()
    {
        var user = await TestUsers.CreateAsync(topology);
        await using var events = await EventTap.StartAsync(topology.Nats.Url, AuthEvents.SessionEnded);

        var refreshed = await topology.Auth.PostEnvelopeAsync("/auth/token/refresh", new { refreshToken = user.RefreshToken }, user.AccessToken);
        var newAccess = refreshed.ShouldSucceed().Data.GetProperty("accessToken").GetString()!;
        await events.WaitForAsync(e => e.GetProperty("userId").GetGuid() == user.Id
                                       && e.GetProperty("sessionId").GetString() == EventTap.TokenId(user.AccessToken)
                                       && e.GetProperty("reason").GetString() == SessionEndReasons.Refresh, Delivery);

        (await topology.Auth.DeleteEnvelopeAsync("/auth/signout", newAccess)).ShouldSucceed("signout success");
        await events.WaitForAsync(e => e.GetProperty("sessionId").GetString() == EventTap.TokenId(newAccess)
                                       && e.GetProperty("reason").GetString() == SessionEndReasons.SignOut, Delivery);
    }

    [Fact]
    public async Task Creating_and_deactivating_an_api_key_announce_its_hash_never_the_key()
    {
        await using var events = await EventTap.StartAsync(topology.Nats.Url, AuthEvents.ApiKeyChanged);
        var (_, created) = await topology.AuthHost.RunCommandAsync("apikey", "create");
        var key = created.Trim();
        Assert.Equal(0, (await topology.AuthHost.RunCommandAsync("apikey", "deactivate", key)).ExitCode);

        bool Is(JsonElement e, string change) =>
            e.GetProperty("keySha256").GetString() == ApiKeyHash.Of(key) && e.GetProperty("change").GetString() == change;
        var creation = await events.WaitForAsync(e => Is(e, ApiKeyChanges.Created), Delivery);
        var deactivation = await events.WaitForAsync(e => Is(e, ApiKeyChanges.Deactivated), Delivery);
        Assert.DoesNotContain(key, creation.GetRawText());
        Assert.DoesNotContain(key, deactivation.GetRawText());
    }

    [Fact]
    public async Task An_event_written_while_nats_is_down_is_kept_and_published_when_nats_is_back()
    {
        var user = await TestUsers.CreateAsync(topology);
        await topology.Nats.StopAsync();
        try
        {
            Assert.Equal(0, (await topology.AuthHost.RunCommandAsync("user", "grant-role", user.Email, RoleCodes.Editor)).ExitCode);
            // The dispatcher tried and failed: the row is still there, waiting for its retry.
            await Eventually.HoldsAsync(async () => await topology.AuthDatabase.ScalarAsync<int>(
                    "SELECT attempts FROM outbox_messages WHERE payload->>'userId' = @id", ("id", user.Id.ToString())) >= 1,
                Delivery, "a failed delivery attempt is recorded on the row");
        }
        finally
        {
            await topology.Nats.StartAgainAsync();
        }
        await using var events = await EventTap.StartAsync(topology.Nats.Url, AuthEvents.UserChanged);

        await events.WaitForAsync(e => e.GetProperty("userId").GetGuid() == user.Id, TimeSpan.FromSeconds(45));
        await AssertOutboxEmptyAsync();
    }

    private async Task AssertOutboxEmptyAsync() =>
        await Eventually.HoldsAsync(async () => await topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM outbox_messages") == 0,
            Delivery, "every delivered message is deleted");
}
