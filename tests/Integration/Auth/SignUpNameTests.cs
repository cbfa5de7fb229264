using System.Net;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>Sign-up checks the name's length after trimming it, and stores it trimmed.</summary>
public sealed class SignUpNameTests(MonolithTopology topology) : IClassFixture<MonolithTopology>
{
    [Fact]
    public async Task Sign_up_trims_the_name_before_checking_its_length_and_stores_nothing()
    {
        var email = $"short-{Guid.NewGuid():N}@example.com";
        (await topology.Auth.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "secret-password", name = "  a  " }))
            .ShouldFail(HttpStatusCode.BadRequest, "name must be at least 2 characters");
        Assert.Equal(0L, await topology.AuthDatabase.ScalarAsync<long>("SELECT count(*) FROM users WHERE email = @email", ("email", email)));
    }

    [Fact]
    public async Task Sign_up_stores_the_trimmed_name()
    {
        var email = $"trim-{Guid.NewGuid():N}@example.com";
        var signUp = (await topology.Auth.PostEnvelopeAsync("/auth/signup/basic", new { email, password = "secret-password", name = "  Al  " })).ShouldSucceed();
        Assert.Equal("Al", signUp.Data.GetProperty("user").GetProperty("name").GetString());
        Assert.Equal("Al", await topology.AuthDatabase.ScalarAsync<string>("SELECT name FROM users WHERE email = @email", ("email", email)));
    }
}
