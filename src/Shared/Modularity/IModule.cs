using System.CommandLine;
using GoMicro.Shared.Bus;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GoMicro.Shared.Web.Modularity;

/// <summary>
/// A module's entry point: the only public type of a module besides what it must expose to the Host. The Host holds
/// the explicit list of modules and picks them by role; nothing is discovered by scanning.
/// </summary>
public interface IModule
{
    /// <summary>Lowercase name, which is also its role name and its bus service name: <c>auth</c>, <c>blog</c>.</summary>
    string Name { get; }

    /// <summary>The route prefix every endpoint of the module lives under, e.g. <c>/auth</c>; the same in every role,
    /// so the gateway routes by it without stripping it.</summary>
    string RoutePrefix { get; }

    /// <summary>Bus subjects the module's own code requests (the shared authentication and API-key checks add theirs).
    /// At start-up the Host checks each is served locally or that the transport can reach other processes.</summary>
    IReadOnlyCollection<string> CalledSubjects { get; }

    /// <summary>Registers the module's services, options, database and health checks.</summary>
    void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment);

    /// <summary>Maps the module's HTTP endpoints under <see cref="RoutePrefix"/>.</summary>
    void MapEndpoints(IEndpointRouteBuilder endpoints);

    /// <summary>Declares the bus subjects the module serves.</summary>
    void MapBusHandlers(IBusHandlerRegistry bus);
}

/// <summary>A module's database: schema migrations and the idempotent development seed.</summary>
public interface IModuleDatabase
{
    /// <summary>The owning module's <see cref="IModule.Name"/>.</summary>
    string Module { get; }

    /// <summary>The name of its connection string, as in <c>ConnectionStrings:{name}</c> (<c>Auth</c>, <c>Blog</c>): what an
    /// operator must fix when the database cannot be reached.</summary>
    string ConnectionStringName { get; }

    /// <summary>Applies pending migrations. Safe to run from several instances at once (a database lock serialises them).</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Inserts the development data when missing; running it twice changes nothing.</summary>
    Task SeedAsync(CancellationToken cancellationToken);
}

/// <summary>
/// An administrative command run by the same binary instead of the web server (<c>GoMicro.Host &lt;command&gt;</c>). The Host
/// builds one System.CommandLine tree from the commands of the role's modules, so each gets <c>--help</c>/<c>-h</c>, a usage
/// line from what it declares, and parse errors on standard error with exit code 1.
/// </summary>
public interface IAdminCommand
{
    /// <summary>The words that select it: its group, then its own (<c>apikey create</c>); one word for a command of its own
    /// (<c>migrate</c>).</summary>
    string Name { get; }

    /// <summary>One line for the command list and <c>--help</c>.</summary>
    string Description { get; }

    /// <summary>Declares the command's arguments and options on <paramref name="command"/>; <see cref="RunAsync"/> reads
    /// their values from the parse result.</summary>
    void Configure(Command command);

    /// <summary>Runs the parsed command.</summary>
    /// <param name="parse">The command line, parsed and valid by what <see cref="Configure"/> declared.</param>
    /// <param name="console">Results go to <see cref="AdminConsole.Out"/> alone, so <c>KEY=$(gomicro apikey create)</c>
    /// captures exactly the key; errors to <see cref="AdminConsole.Error"/>.</param>
    /// <param name="cancellationToken">Ctrl-C.</param>
    /// <returns>The process exit code: 0 on success, 1 (<see cref="AdminConsole.RefuseAsync"/>) when nothing was written
    /// because the input was wrong.</returns>
    Task<int> RunAsync(ParseResult parse, AdminConsole console, CancellationToken cancellationToken);
}

/// <summary>Where an admin command writes: results on <paramref name="Out"/> (standard output), <c>error: ...</c> lines on
/// <paramref name="Error"/> (standard error).</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
public sealed record AdminConsole(TextWriter Out, TextWriter Error)
{
    /// <summary>The exit code of a command that refused its input (an unknown email, role or key; a bad value).</summary>
    public const int Refused = 1;

    /// <summary>Writes <c>error: <paramref name="message"/></c> to <see cref="Error"/>.</summary>
    /// <returns><see cref="Refused"/>.</returns>
    public async Task<int> RefuseAsync(string message)
    {
        await Error.WriteLineAsync($"error: {message}");
        return Refused;
    }
}

/// <summary>Options that commands of several modules take, declared once so they read and fail alike.</summary>
public static class AdminOptions
{
    /// <summary><c>--batch-size N</c>: rows written per transaction, a positive number (<paramref name="defaultValue"/>
    /// when not given); anything else is a parse error.</summary>
    /// <param name="description">What one batch holds, for <c>--help</c>.</param>
    /// <param name="defaultValue">The size when the option is not given.</param>
    public static Option<int> BatchSize(string description, int defaultValue)
    {
        var option = new Option<int>("--batch-size") { Description = description, DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0) result.AddError("--batch-size must be a positive number");
        });
        return option;
    }
}
