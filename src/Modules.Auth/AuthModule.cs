using GoMicro.Modules.Auth.ApiKeys;
using GoMicro.Modules.Auth.Authentication;
using GoMicro.Modules.Auth.Import;
using GoMicro.Modules.Auth.Jwks;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Profiles;
using GoMicro.Modules.Auth.Security;
using GoMicro.Modules.Auth.SignIn;
using GoMicro.Modules.Auth.SignOut;
using GoMicro.Modules.Auth.SignUp;
using GoMicro.Modules.Auth.TokenRefresh;
using GoMicro.Modules.Auth.Users;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Modularity;
using GoMicro.Shared.Persistence;
using GoMicro.Shared.Persistence.Outbox;
using GoMicro.Shared.Web.Health;
using GoMicro.Shared.Web.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GoMicro.Modules.Auth;

/// <summary>
/// The Auth module: users, roles, sessions (keystore), API keys and RS256 tokens, under <c>/auth</c>, on its own
/// PostgreSQL database (<c>ConnectionStrings:Auth</c>). Other modules reach it only through the bus subjects in
/// <see cref="GoMicro.Shared.Contracts.Auth.AuthSubjects"/>.
/// </summary>
public sealed class AuthModule : IModule
{
    /// <inheritdoc />
    public string Name => "auth";

    /// <inheritdoc />
    public string RoutePrefix => "/auth";

    /// <inheritdoc />
    public IReadOnlyCollection<string> CalledSubjects => [];

    /// <inheritdoc />
    public IReadOnlyCollection<string> PublishedEvents => [AuthEvents.SessionEnded, AuthEvents.UserChanged, AuthEvents.ApiKeyChanged];

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException"><c>ConnectionStrings:Auth</c> is missing.</exception>
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var connectionString = configuration.GetConnectionString("Auth");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("ConnectionStrings:Auth (environment ConnectionStrings__Auth) must be set for the auth module.");

        // Prepared statements: the same few queries run on every request (see PostgresConnectionStrings).
        connectionString = PostgresConnectionStrings.WithDefaults(connectionString);
        services.AddDbContextPool<AuthDbContext>(options => AuthDbContext.Configure(options, connectionString));
        // The auth.events.* this module writes with its changes are published by whichever instance runs first.
        services.AddOutbox<AuthDbContext>(configuration);
        services.AddHealthChecks().AddDbContextCheck<AuthDbContext>("auth-database", tags: [HealthEndpoints.ReadyTag]);

        services.AddOptions<JwtOptions>().Bind(configuration.GetSection(JwtOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SigningKeys>();
        services.AddSingleton<JwtTokenService>();
        // Identity's v3 format at 100,000 PBKDF2-HMAC-SHA512 iterations (ADR 0017, the cost of ADR 0004), stated here
        // rather than left to the framework's default so a framework upgrade cannot change the cost silently.
        services.Configure<PasswordHasherOptions>(options =>
        {
            options.CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3;
            options.IterationCount = PasswordHashing.Iterations;
        });
        // Identity's hasher, which also verifies the bcrypt hashes `import users` brings from gomicro, once (ADR 0021).
        services.AddSingleton<IPasswordHasher<UserAccount>, ReferencePasswordHasher>();
        services.AddSingleton<WrongPasswordThrottle>();
        services.AddOptions<AuthSessionOptions>().Bind(configuration.GetSection(AuthSessionOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Sessions>();
        services.AddSingleton<ExpiredSessionPurge>();
        services.AddHostedService(provider => provider.GetRequiredService<ExpiredSessionPurge>());
        services.AddScoped<AccessTokenAuthenticator>();

        services.AddSingleton<IModuleDatabase, AuthDatabase>();
        services.AddScoped<IAdminCommand, CreateApiKeyCommand>();
        services.AddScoped<IAdminCommand, DeactivateApiKeyCommand>();
        services.AddScoped<IAdminCommand, GrantRoleCommand>();
        services.AddScoped<IAdminCommand, RevokeRoleCommand>();
        services.AddScoped<IAdminCommand, DeactivateUserCommand>();
        services.AddScoped<IAdminCommand, ActivateUserCommand>();
        services.AddScoped<IAdminCommand, ProfileCommand>();
        services.AddScoped<IAdminCommand, ImportUsersCommand>();
    }

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var auth = endpoints.MapGroup(RoutePrefix).WithTags("Auth").WithRequestValidation();
        auth.MapModuleHealth();
        VerifyApiKeyEndpoint.Map(auth);
        SignUpEndpoint.Map(auth);
        SignInEndpoint.Map(auth);
        RefreshTokenEndpoint.Map(auth);
        SignOutEndpoint.Map(auth);
        JwksEndpoint.Map(auth);
        ProfileEndpoints.Map(auth);
    }

    /// <inheritdoc />
    public void MapBusHandlers(IBusHandlerRegistry bus) => AuthBusHandlers.Map(bus);
}
