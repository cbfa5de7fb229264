using System.Net;
using GoMicro.Host.Web;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>The security review's findings of issue 11 item 6, each pinned by a test.</summary>
public sealed class AuthReviewFixesTests(MonolithTopology topology) : IClassFixture<MonolithTopology>
{
    private IModuleBus Bus => topology.AuthHost.Services.GetRequiredService<IModuleBus>();

    [Fact]
    public async Task The_profile_bus_subject_does_not_return_a_deactivated_user_as_the_http_route_does_not()
    {
        var user = await TestUsers.CreateAsync(topology);
        Assert.Equal(user.Email, (await Bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text(user.Id.ToString()))).Email);

        await topology.AuthDatabase.ScalarAsync<int>("UPDATE users SET status = false WHERE id = @id; SELECT 1", ("id", user.Id));

        var error = await Assert.ThrowsAsync<BusErrorException>(() => Bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text(user.Id.ToString())));
        Assert.Equal((404, "user does not exists"), (error.Status, error.Message));
        (await topology.Auth.GetEnvelopeAsync($"/auth/profile/id/{user.Id}")).ShouldFail(HttpStatusCode.NotFound, "user does not exists");
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("{6f9619ff-8b86-d011-b42d-00c04fc964ff}")]
    [InlineData("")]
    public async Task The_profile_bus_subject_answers_a_malformed_id_with_400_in_the_validation_wording(string id)
    {
        var error = await Assert.ThrowsAsync<BusErrorException>(() => Bus.RequestAsync<Text, User>(AuthSubjects.ProfileUser, new Text(id)));
        Assert.Equal((400, "id must be a valid UUID"), (error.Status, error.Message));
    }

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

    /// <summary>
    /// A role check that has to ask <c>auth.authorization</c> (the authentication reply carried no roles, as a reference
    /// auth service's does not) stops waiting when the client goes away. The bus timeout is ten minutes here, so only the
    /// request's token can end the call within the test's one-minute bound.
    /// </summary>
    [Fact]
    public async Task The_role_check_over_the_bus_is_cancelled_with_the_request()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Bus:RequestTimeout"] = TimeSpan.FromMinutes(10).ToString() })
            .Build();
        var services = new ServiceCollection().AddLogging();
        services.AddModuleBus(configuration);
        services.AddWebConventions(configuration);
        await using var provider = services.BuildServiceProvider();

        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        provider.GetRequiredService<IBusHandlerRegistry>().MapRequest<UserRole, User>(AuthSubjects.Authorization, async (request, context) =>
        {
            asked.SetResult();
            try { await Task.Delay(Timeout.Infinite, context.CancellationToken); }
            catch (OperationCanceledException) { handlerCancelled.SetResult(); throw; }
            return request.User;
        });

        using var aborted = new CancellationTokenSource();
        var http = new DefaultHttpContext { RequestAborted = aborted.Token };
        var principal = UserClaims.ToPrincipal(new User(Guid.NewGuid(), "No Roles", "noroles@example.com", null), BusAuthenticationHandler.SchemeName);
        var check = provider.GetRequiredService<IAuthorizationService>().AuthorizeAsync(principal, http, AuthPolicies.Role(RoleCodes.Author));

        await asked.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await aborted.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => check.WaitAsync(TimeSpan.FromMinutes(1)));
        await handlerCancelled.Task.WaitAsync(TimeSpan.FromMinutes(1));
    }
}
