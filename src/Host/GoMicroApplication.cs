using GoMicro.Host.Bus.Nats;
using GoMicro.Host.Modules;
using GoMicro.Host.Observability;
using GoMicro.Host.Web;
using GoMicro.Shared.AuthClient;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Modularity;
using GoMicro.Shared.Web.Health;

namespace GoMicro.Host;

/// <summary>Composes the process for its role: configuration, the active modules, the bus, and the web pipeline.</summary>
public static class GoMicroApplication
{
    /// <summary>Configuration key of the role.</summary>
    public const string RoleKey = "GoMicro:Role";

    /// <summary>Builds the application for the role in configuration (<c>GoMicro:Role</c>, <c>GoMicro__Role</c> or <c>--role</c>).</summary>
    /// <param name="args">The host's command line (configuration only, no admin command words).</param>
    /// <param name="consoleMinimumLevel">When set, the console shows nothing below this level whatever the configuration
    /// says (admin commands: <see cref="LogLevel.Warning"/>, see <see cref="Invocation.ConsoleMinimumLevel"/>).</param>
    /// <param name="adminCommand">The process runs an admin command: every console log line goes to standard error.</param>
    /// <exception cref="StartupException">Unknown role, a bus subject that no transport can reach, or an invalid setting
    /// (every options class is validated here).</exception>
    public static WebApplication Build(string[] args, LogLevel? consoleMinimumLevel = null, bool adminCommand = false)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--role"] = RoleKey });
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        // A rule for the console provider without a category outranks the configuration's category rules
        // (Logging:LogLevel:*), which name no provider; so this holds even where Microsoft.* is set lower.
        if (consoleMinimumLevel is { } minimum)
            builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, minimum);
        // An admin command's standard output is its result alone (KEY=$(gomicro apikey create)): log lines go to stderr.
        if (adminCommand)
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        var role = (builder.Configuration[RoleKey] ?? ModuleCatalog.MonolithRole).ToLowerInvariant();
        var modules = ModuleCatalog.ForRole(role);
        builder.Services.AddSingleton(new ActiveModules(role, modules));
        // HostOptions:ShutdownTimeout bounds the graceful drain on SIGTERM (HTTP requests, then bus requests in flight).
        builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"));
        if (role == Gateway.GatewayApplication.Role)
            return BuildGateway(builder);
        var transport = EffectiveTransport(role, builder.Configuration);
        builder.Services.AddModuleBus(builder.Configuration);
        builder.Services.PostConfigure<BusOptions>(o => o.Transport = transport);
        if (transport == BusTransportKind.Nats)
            builder.Services.AddNatsBusTransport(NatsServiceIdentity.ForRole(role, typeof(GoMicroApplication).Assembly), HealthEndpoints.ReadyTag);
        builder.Services.AddScoped<IAdminCommand, Commands.MigrateCommand>();
        try
        {
            AuthClientSetup.ApiKeyModeOf(builder.Configuration);
            ForwardedClients.TrustedProxiesOf(builder.Configuration);
        }
        catch (InvalidOperationException ex)
        {
            throw new StartupException(ex.Message);
        }
        builder.Services.AddWebConventions(builder.Configuration);
        builder.Services.AddObservability(builder.Configuration, role);
        if (builder.Configuration.GetValue("Database:Seed", false))
        {
            builder.Services.AddSingleton<SeedReadiness>();
            builder.Services.AddHealthChecks().AddCheck<SeedReadiness>(SeedReadiness.Name, tags: [HealthEndpoints.ReadyTag]);
        }
        foreach (var module in modules)
            module.AddServices(builder.Services, builder.Configuration, builder.Environment);

        var app = builder.Build();
        // Every options class, validated before anything resolves it (the host itself would only at StartAsync).
        ConfigurationFaults.ValidateOptions(app.Services, app.Configuration);
        app.UseWebConventions();
        var registry = app.Services.GetRequiredService<BusHandlerRegistry>();
        foreach (var module in modules)
        {
            module.MapBusHandlers(registry);
            module.MapEndpoints(app);
        }
        app.MapModuleMap();
        var remote = CheckBusSubjects(role, modules, registry, transport, app.Configuration);
        foreach (var subject in remote) registry.DeclareRemoteCall(subject);

        app.Logger.LogInformation(
            "GoMicro.NET starting as role {Role} with modules {Modules}; bus transport {Transport} serves {Subjects}; requested from other services: {Remote}",
            role, string.Join(", ", modules.Select(m => m.Name)), transport, registry.RequestEndpoints.Count == 0 ? "nothing" : string.Join(", ", registry.RequestEndpoints.Select(e => e.Subject)),
            remote.Count == 0 ? "none" : string.Join(", ", remote));
        return app;
    }

    private static WebApplication BuildGateway(WebApplicationBuilder builder)
    {
        Gateway.GatewayApplication.AddServices(builder.Services, builder.Configuration);
        // The gateway's server and proxy spans start the trace the instances continue (YARP forwards traceparent).
        builder.Services.AddObservability(builder.Configuration, Gateway.GatewayApplication.Role);
        var app = builder.Build();
        ConfigurationFaults.ValidateOptions(app.Services, app.Configuration);
        Gateway.GatewayApplication.UsePipeline(app);
        app.Logger.LogInformation("GoMicro.NET starting as role gateway: routes and clusters from the ReverseProxy section, API keys checked at the edge");
        return app;
    }

    /// <summary>
    /// <c>Bus:Transport</c> when set (<c>InProcess</c> or <c>Nats</c>); otherwise in-process for the monolith, which serves
    /// every subject itself, and NATS for a single-module role, which must reach the others.
    /// </summary>
    /// <exception cref="StartupException"><c>Bus:Transport</c> holds something else.</exception>
    public static BusTransportKind EffectiveTransport(string role, IConfiguration configuration)
    {
        var configured = configuration[$"{BusOptions.SectionName}:{nameof(BusOptions.Transport)}"];
        if (string.IsNullOrWhiteSpace(configured))
            return string.Equals(role, ModuleCatalog.MonolithRole, StringComparison.OrdinalIgnoreCase) ? BusTransportKind.InProcess : BusTransportKind.Nats;
        return Enum.TryParse<BusTransportKind>(configured, ignoreCase: true, out var kind) && Enum.IsDefined(kind)
            ? kind
            : throw new StartupException($"unknown Bus:Transport '{configured}'. Valid values: {string.Join(", ", Enum.GetNames<BusTransportKind>())}.");
    }

    /// <summary>
    /// Every subject this process will request must be served here, unless the bus reaches other processes.
    /// Failing at start-up beats a 503 on the first request.
    /// </summary>
    /// <returns>The subjects that will be requested from other processes (over NATS).</returns>
    private static IReadOnlyList<string> CheckBusSubjects(
        string role, IReadOnlyList<IModule> modules, BusHandlerRegistry registry, BusTransportKind transport, IConfiguration configuration)
    {
        var missing = AuthClientSetup.CalledSubjects(configuration).Concat(modules.SelectMany(m => m.CalledSubjects))
            .Distinct().Where(s => !registry.Serves(s)).ToArray();
        if (missing.Length > 0 && transport == BusTransportKind.InProcess)
            throw new StartupException(
                $"role '{role}' calls bus subjects nobody serves in this process: {string.Join(", ", missing)}, " +
                $"and Bus:Transport is InProcess. Set Bus:Transport=Nats (environment Bus__Transport=Nats) to reach the " +
                $"{string.Join(", ", missing.Select(s => s.Split('.', 2)[0]).Distinct())} service over NATS, or run the monolith role.");
        return missing;
    }

    /// <summary>Applies migrations (<c>Database:MigrateOnStartup</c>, default true) for every active module; Program runs
    /// this before the server takes requests, so no request meets an old schema.</summary>
    /// <exception cref="StartupException">A database refused the login or could not be reached
    /// (<see cref="ExitCodes.DependencyUnavailable"/>); the message names its connection string.</exception>
    public static async Task MigrateDatabasesAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        if (!configuration.GetValue("Database:MigrateOnStartup", true)) return;
        foreach (var database in services.GetServices<IModuleDatabase>())
        {
            try
            {
                await database.MigrateAsync(cancellationToken);
            }
            catch (Exception ex) when (DatabaseFaults.Find(ex) is { } fault)
            {
                throw DatabaseFaults.For(database, fault, configuration);
            }
        }
    }

    /// <summary>
    /// Applies the development seed (<c>Database:Seed</c>, true in Development only) for every active module. Program
    /// runs this once the server has started, because a module's seed may ask another module over the bus (the Blog
    /// seed asks Auth for its sample author), and the NATS connection and subscriptions come up with the host; a seed
    /// that waits for another process is bounded by its own timeout and by <paramref name="cancellationToken"/>. Until it
    /// has finished, <c>/health/ready</c> answers 503 (check <c>development-seed</c>).
    /// </summary>
    public static async Task SeedDatabasesAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        if (!services.GetRequiredService<IConfiguration>().GetValue("Database:Seed", false)) return;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GoMicroApplication));
        foreach (var database in services.GetServices<IModuleDatabase>())
        {
            await database.SeedAsync(cancellationToken);
            logger.LogInformation("Database of module {Module} seeded", database.Module);
        }
        services.GetService<SeedReadiness>()?.MarkDone();
    }

    /// <summary>Migrations, then the seed, as a started process does (<see cref="MigrateDatabasesAsync"/>,
    /// <see cref="SeedDatabasesAsync"/>); for hosts that are already started, such as the integration tests'.</summary>
    public static async Task PrepareDatabasesAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await MigrateDatabasesAsync(services, cancellationToken);
        await SeedDatabasesAsync(services, cancellationToken);
    }
}
