using System.Net;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>
/// Per-account throttling of wrong passwords (RateLimiting:WrongPasswordsPerAccount, default 5 in 15 minutes): the
/// account is answered 429 with Retry-After in the envelope, the right password included, while other accounts from
/// the same client still sign in. The windows are long, so nothing here depends on a window ending mid-test.
/// </summary>
public sealed class WrongPasswordThrottleTests(MonolithTopology topology) : IClassFixture<MonolithTopology>
{
    private const string Throttled = "too many wrong passwords: try again later";

    [Fact]
    public async Task Twelve_wrong_passwords_meet_429_with_retry_after_while_another_account_still_signs_in()
    {
        var target = await TestUsers.CreateAsync(topology);
        var neighbour = await TestUsers.CreateAsync(topology);

        var answers = new List<Envelope>();
        for (var i = 0; i < 12; i++) answers.Add(await SignInAsync(target.Email, "not-the-password"));

        // The default: five wrong passwords are answered as such, then the account is throttled for the 15-minute window.
        Assert.All(answers.Take(5), a => a.ShouldFail(HttpStatusCode.Unauthorized, "wrong password"));
        Assert.All(answers.Skip(5), a =>
        {
            a.ShouldFail(HttpStatusCode.TooManyRequests, Throttled);
            Assert.False(a.HasData);
            Assert.Equal(TimeSpan.FromMinutes(15), a.RetryAfter);
        });
        // The right password does not get through while throttled: otherwise guessing would simply go on.
        (await SignInAsync(target.Email, target.Password)).ShouldFail(HttpStatusCode.TooManyRequests, Throttled);

        // Same client, other account: unaffected.
        (await SignInAsync(neighbour.Email, neighbour.Password)).ShouldSucceed();
        (await SignInAsync(neighbour.Email, "not-the-password")).ShouldFail(HttpStatusCode.Unauthorized, "wrong password");
    }

    [Fact]
    public async Task Parallel_guesses_get_no_more_password_checks_than_the_limit()
    {
        var target = await TestUsers.CreateAsync(topology);

        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => SignInAsync(target.Email, "not-the-password")));

        // Attempts on one account take turns, so exactly the allowed five were checked (and answered 401) whatever the
        // interleaving; all others were refused before any password check.
        Assert.Equal(5, answers.Count(a => a.HttpStatus == HttpStatusCode.Unauthorized));
        Assert.All(answers.Where(a => a.HttpStatus != HttpStatusCode.Unauthorized), a =>
        {
            a.ShouldFail(HttpStatusCode.TooManyRequests, Throttled);
            Assert.NotNull(a.RetryAfter);
        });
    }

    [Fact]
    public async Task Unknown_accounts_are_never_throttled()
    {
        for (var i = 0; i < 8; i++)
            (await SignInAsync($"nobody-{Guid.NewGuid():N}@example.com", "not-the-password")).ShouldFail(HttpStatusCode.NotFound, "user not registerd");
        var email = $"nobody-{Guid.NewGuid():N}@example.com";
        for (var i = 0; i < 8; i++) (await SignInAsync(email, "not-the-password")).ShouldFail(HttpStatusCode.NotFound, "user not registerd");
    }

    private Task<Envelope> SignInAsync(string email, string password) =>
        topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email, password });
}

/// <summary>The limit and window come from configuration: 2 wrong passwords per 10 minutes here.</summary>
public sealed class ConfiguredWrongPasswordThrottleTests(ConfiguredWrongPasswordThrottleTests.Topology topology)
    : IClassFixture<ConfiguredWrongPasswordThrottleTests.Topology>
{
    /// <summary>The monolith with <c>RateLimiting:WrongPasswordsPerAccount</c> at 2 per 10 minutes.</summary>
    public sealed class Topology : MonolithTopology
    {
        /// <inheritdoc />
        protected override void Configure(Dictionary<string, string?> settings)
        {
            settings["RateLimiting:WrongPasswordsPerAccount:PermitLimit"] = "2";
            settings["RateLimiting:WrongPasswordsPerAccount:Window"] = "00:10:00";
        }
    }

    [Fact]
    public async Task The_third_wrong_password_is_throttled_for_the_configured_window()
    {
        var target = await TestUsers.CreateAsync(topology);
        for (var i = 0; i < 2; i++)
            (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = target.Email, password = "not-the-password" }))
                .ShouldFail(HttpStatusCode.Unauthorized, "wrong password");

        var throttled = (await topology.Auth.PostEnvelopeAsync("/auth/signin/basic", new { email = target.Email, password = "not-the-password" }))
            .ShouldFail(HttpStatusCode.TooManyRequests, "too many wrong passwords: try again later");
        Assert.Equal(TimeSpan.FromMinutes(10), throttled.RetryAfter);
    }
}
