namespace GoMicro.Shared.Modularity;

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
