using GoMicro.Shared.Web.Modularity;

namespace GoMicro.Host.Commands;

/// <summary><c>migrate</c>: applies pending migrations of every module the role runs (the monolith: all databases).</summary>
internal sealed class MigrateCommand(IEnumerable<IModuleDatabase> databases, IConfiguration configuration) : IAdminCommand
{
    public string Name => "migrate";
    public string Usage => "migrate                          apply pending database migrations of the role's modules";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        if (arguments.Count > 0)
        {
            await output.WriteLineAsync($"error: migrate takes no arguments. Usage: {Usage}");
            return 1;
        }
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
            await output.WriteLineAsync($"{database.Module}: database is up to date");
        }
        return 0;
    }
}
