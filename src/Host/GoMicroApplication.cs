using GoMicro.Host.Modules;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Web;
using GoMicro.Shared.Web.Modularity;
using Microsoft.Extensions.Options;

namespace GoMicro.Host;

/// <summary>Composes the process for its role: configuration, the active modules, the bus, and the web pipeline.</summary>
public static class GoMicroApplication
{
    /// <summary>Configuration key of the role.</summary>
    public const string RoleKey = "GoMicro:Role";

    /// <summary>Builds the application for the role in configuration (<c>GoMicro:Role</c>, <c>GoMicro__Role</c> or <c>--role</c>).</summary>
    /// <exception cref="StartupException">Unknown role, or a bus subject that no transport can reach.</exception>
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddCommandLine(args, new Dictionary<string, string> { ["--role"] = RoleKey });
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);

        var role = (builder.Configuration[RoleKey] ?? ModuleCatalog.MonolithRole).ToLowerInvariant();
        var modules = ModuleCatalog.ForRole(role);
        builder.Services.AddSingleton(new ActiveModules(role, modules));
        builder.Services.AddModuleBus(builder.Configuration);
        builder.Services.AddScoped<GoMicro.Shared.Web.Modularity.IAdminCommand, Commands.MigrateCommand>();
        builder.Services.AddWebConventions(builder.Configuration);
        foreach (var module in modules)
            module.AddServices(builder.Services, builder.Configuration, builder.Environment);

        var app = builder.Build();
        app.UseWebConventions();
        var registry = app.Services.GetRequiredService<BusHandlerRegistry>();
        foreach (var module in modules)
        {
            module.MapBusHandlers(registry);
            module.MapEndpoints(app);
        }
        CheckBusSubjects(role, modules, registry, app.Services.GetRequiredService<IOptions<BusOptions>>().Value);

        app.Logger.LogInformation("GoMicro.NET starting as role {Role} with modules {Modules}; bus serves {Subjects}",
            role, string.Join(", ", modules.Select(m => m.Name)), string.Join(", ", registry.RequestEndpoints.Select(e => e.Subject)));
        return app;
    }

    /// <summary>
    /// Every subject this process will request must be served here, unless the bus reaches other processes.
    /// Failing at start-up beats a 503 on the first request.
    /// </summary>
    private static void CheckBusSubjects(string role, IReadOnlyList<IModule> modules, BusHandlerRegistry registry, BusOptions options)
    {
        var transport = options.Transport ?? BusTransportKind.InProcess;
        if (transport != BusTransportKind.InProcess) return;
        var missing = WebConventions.CalledSubjects.Concat(modules.SelectMany(m => m.CalledSubjects))
            .Distinct().Where(s => !registry.Serves(s)).ToArray();
        if (missing.Length > 0)
            throw new StartupException(
                $"role '{role}' calls bus subjects nobody serves in this process: {string.Join(", ", missing)}. " +
                "Run the role that serves them here (monolith) or set Bus:Transport=Nats.");
    }

    /// <summary>Applies migrations (<c>Database:MigrateOnStartup</c>, default true) and the seed (<c>Database:Seed</c>,
    /// true in Development only) for every active module, before the server takes requests.</summary>
    public static Task PrepareDatabasesAsync(this WebApplication app, CancellationToken cancellationToken = default) =>
        PrepareDatabasesAsync(app.Services, cancellationToken);

    /// <inheritdoc cref="PrepareDatabasesAsync(WebApplication, CancellationToken)"/>
    public static async Task PrepareDatabasesAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GoMicroApplication));
        var migrate = configuration.GetValue("Database:MigrateOnStartup", true);
        var seed = configuration.GetValue("Database:Seed", false);
        foreach (var database in services.GetServices<IModuleDatabase>())
        {
            if (migrate) await database.MigrateAsync(cancellationToken);
            if (seed)
            {
                await database.SeedAsync(cancellationToken);
                logger.LogInformation("Database of module {Module} seeded", database.Module);
            }
        }
    }
}
