using System.CommandLine;
using GoMicro.Shared.Modularity;

namespace GoMicro.Host.Commands;

/// <summary><c>migrate</c>: applies pending migrations of every module the role runs (the monolith: all databases).</summary>
internal sealed class MigrateCommand(IEnumerable<IModuleDatabase> databases, IConfiguration configuration) : IAdminCommand
{
    public string Name => "migrate";
    public string Description => "Apply pending database migrations of the role's modules, then exit";

    public void Configure(Command command)
    {
    }

    public async Task<int> RunAsync(ParseResult parse, AdminConsole console, CancellationToken cancellationToken)
    {
        foreach (var database in databases)
        {
            try
            {
                await database.MigrateAsync(cancellationToken);
            }
            catch (Exception ex) when (DatabaseFaults.Find(ex) is { } fault)
            {
                throw DatabaseFaults.For(database, fault, configuration);
            }
            await console.Out.WriteLineAsync($"{database.Module}: database is up to date");
        }
        return 0;
    }
}
