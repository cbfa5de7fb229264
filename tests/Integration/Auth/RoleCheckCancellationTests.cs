using GoMicro.Host.Web;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Auth;

/// <summary>The role check over the bus ends with the HTTP request that asked for it.</summary>
public sealed class RoleCheckCancellationTests
{
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
