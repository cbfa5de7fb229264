using System.CommandLine;
using System.Data.Common;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Modules.Auth.Requests;
using GoMicro.Modules.Auth.Security;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Modularity;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GoMicro.Modules.Auth.Import;

/// <summary>
/// <c>import users CONNECTION-STRING [--batch-size N]</c>: brings a gomicro auth database's users, their roles and its API
/// keys (read by <see cref="ReferenceAuthSource"/>) into the Auth database, keeping user and key ids, so imported blogs
/// still name their authors and clients keep their keys.
/// <list type="bullet">
/// <item>Roles are matched by code (ours are the reference's four, with ids of their own); a role of another code is
/// rejected, with its links.</item>
/// <item>A user keeps id, name, picture, verified and active flags and times (the reference's <c>timestamp</c> columns
/// are read as UTC); the email is trimmed and lower-cased as ours are stored. The bcrypt password hash is kept as it is
/// and replaced by ours at the user's first sign-in (<see cref="ReferencePasswordHasher"/>); a user without a password
/// comes in unable to sign in with one, as in the reference. A user whose id is present is skipped, untouched, with
/// their links; one whose email belongs to another id, or whose password is not a bcrypt hash, is rejected.</item>
/// <item>An API key whose key is present is skipped; one whose id belongs to another key is rejected.</item>
/// <item>Each batch of N users (default <see cref="DefaultBatchSize"/>) with their links, and each batch of N keys, is one
/// transaction; a failure rolls back that batch only, and running the command again finishes the import.</item>
/// </list>
/// Prints each rejection, then one line of counts per kind (roles, users, user roles, api keys); exits 0 when nothing was
/// rejected, 1 otherwise or when a database cannot be read or written.
/// </summary>
internal sealed class ImportUsersCommand(AuthDbContext db, TimeProvider time) : IAdminCommand
{
    /// <summary>Users (or keys) per transaction when <c>--batch-size</c> is not given.</summary>
    public const int DefaultBatchSize = 500;

    private readonly Argument<string> _source = new("connection-string")
    {
        Description = "The gomicro auth database, e.g. \"Host=HOST;Database=auth-db;Username=USER;Password=PASSWORD\"",
    };
    private readonly Option<int> _batchSize = AdminOptions.BatchSize("Users (or keys) per transaction", DefaultBatchSize);

    public string Name => "import users";
    public string Description => "Import users, roles and API keys of a gomicro auth database";

    public void Configure(Command command)
    {
        command.Arguments.Add(_source);
        command.Options.Add(_batchSize);
        _source.Validators.Add(result =>
        {
            if (!IsConnectionString(result.GetValueOrDefault<string>() ?? ""))
                result.AddError("not a PostgreSQL connection string (e.g. \"Host=HOST;Database=auth-db;Username=USER;Password=PASSWORD\")");
        });
    }

    public async Task<int> RunAsync(ParseResult parse, AdminConsole console, CancellationToken cancellationToken)
    {
        var batchSize = parse.GetValue(_batchSize);
        var connectionString = parse.GetValue(_source)!;
        var output = console.Out;
        var run = new Run(output);
        var failed = false;
        try
        {
            await using var source = await ReferenceAuthSource.OpenAsync(connectionString, cancellationToken);
            var roles = await MatchRolesAsync(source, run, cancellationToken);
            for (Guid? after = null; ;)
            {
                var users = await source.UsersAfterAsync(after, batchSize, cancellationToken);
                if (users.Count == 0) break;
                after = users[^1].Id;
                var links = await source.RolesOfAsync(users.Select(u => u.Id).ToArray(), cancellationToken);
                await WriteUsersAsync(users, links, roles, run, cancellationToken);
            }
            for (Guid? after = null; ;)
            {
                var keys = await source.ApiKeysAfterAsync(after, batchSize, cancellationToken);
                if (keys.Count == 0) break;
                after = keys[^1].Id;
                await WriteApiKeysAsync(keys, run, cancellationToken);
            }
        }
        catch (SourceDatabaseException ex)
        {
            await console.Error.WriteLineAsync($"error: {ex.Message}; nothing more was written. Run the command again once it can be read");
            failed = true;
        }
        catch (DbException)
        {
            await console.Error.WriteLineAsync("error: the Auth database failed; the batch being written was rolled back. Run the command again to finish");
            failed = true;
        }
        foreach (var tally in run.All) await tally.WriteSummaryAsync(output);
        return failed || run.All.Any(t => t.Rejected > 0) ? 1 : 0;
    }

    private static bool IsConnectionString(string value)
    {
        try
        {
            return !string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(value).Host);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Our role id for each source role id whose code we know; the others are reported.</summary>
    private async Task<Dictionary<Guid, Guid>> MatchRolesAsync(ReferenceAuthSource source, Run run, CancellationToken cancellationToken)
    {
        var ours = await db.Roles.AsNoTracking().ToDictionaryAsync(r => r.Code, r => r.Id, cancellationToken);
        var matched = new Dictionary<Guid, Guid>();
        foreach (var (id, code) in await source.RolesAsync(cancellationToken))
        {
            if (ours.TryGetValue(code, out var ourId))
            {
                matched[id] = ourId;
                run.Roles.AddSkipped(1);
            }
            else
                await run.Roles.RejectAsync(run.Output, $"role {code}", $"not one of {string.Join(", ", RoleCodes.All)}; its user links are not imported");
        }
        return matched;
    }

    private async Task WriteUsersAsync(List<SourceUser> users, ILookup<Guid, Guid> links, Dictionary<Guid, Guid> roles, Run run,
        CancellationToken cancellationToken)
    {
        var batch = new Batch();
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            foreach (var user in users)
            {
                var where = $"user {user.Id}";
                var userLinks = links[user.Id].ToList();
                if (Check(user) is { } reason)
                {
                    batch.Reject(run.Users, where, reason);
                    batch.Reject(run.UserRoles, $"{userLinks.Count} role link(s) of {where}", "the user was not imported", userLinks.Count);
                }
                else if (await InsertUserAsync(user, cancellationToken))
                {
                    batch.Import(run.Users);
                    foreach (var role in userLinks)
                    {
                        if (!roles.TryGetValue(role, out var ourRole)) batch.Reject(run.UserRoles, $"a role link of {where}", $"role {role} was not imported");
                        else if (await InsertLinkAsync(user.Id, ourRole, cancellationToken)) batch.Import(run.UserRoles);
                        else batch.Skip(run.UserRoles);
                    }
                }
                else if (await db.Users.AnyAsync(u => u.Id == user.Id, cancellationToken))
                {
                    batch.Skip(run.Users);
                    batch.Skip(run.UserRoles, userLinks.Count);
                }
                else
                {
                    batch.Reject(run.Users, where, $"email '{Email(user)}' already belongs to another user");
                    batch.Reject(run.UserRoles, $"{userLinks.Count} role link(s) of {where}", "the user was not imported", userLinks.Count);
                }
            }
            await transaction.CommitAsync(cancellationToken);
        }
        await batch.ApplyAsync(run.Output);
    }

    private async Task WriteApiKeysAsync(List<SourceApiKey> keys, Run run, CancellationToken cancellationToken)
    {
        var batch = new Batch();
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            foreach (var key in keys)
            {
                if (string.IsNullOrWhiteSpace(key.Key)) batch.Reject(run.ApiKeys, $"api key {key.Id}", "the key is empty");
                else if (await InsertApiKeyAsync(key, cancellationToken)) batch.Import(run.ApiKeys);
                else if (await db.ApiKeys.AnyAsync(k => k.Key == key.Key, cancellationToken)) batch.Skip(run.ApiKeys);
                else batch.Reject(run.ApiKeys, $"api key {key.Id}", "its id already belongs to another key");
            }
            await transaction.CommitAsync(cancellationToken);
        }
        await batch.ApplyAsync(run.Output);
    }

    /// <summary>Why the user cannot be imported, or null.</summary>
    private static string? Check(SourceUser user) =>
        Email(user) is not { Length: > 0 } email || !email.Contains('@') ? "the email is empty or not an address"
        : email.Length > AuthRules.MaxEmailLength ? $"the email is longer than {AuthRules.MaxEmailLength} characters"
        : string.IsNullOrWhiteSpace(user.Name) ? "the name is empty"
        : !string.IsNullOrEmpty(user.Password) && !ReferencePasswordHasher.IsBcrypt(user.Password) ? "the password is not a bcrypt hash"
        : null;

    private static string? Email(SourceUser user) => user.Email?.Trim().ToLowerInvariant();

    /// <summary>The reference's <c>timestamp</c> columns hold UTC without saying so (its services run in UTC).</summary>
    private DateTimeOffset Utc(DateTime? value) =>
        value is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : time.GetUtcNow();

    /// <summary>Inserts unless the id or the email is taken (then false). An empty hash matches no password.</summary>
    private async Task<bool> InsertUserAsync(SourceUser user, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO users (id, email, name, password_hash, profile_pic_url, verified, status, created_at, updated_at)
            VALUES ({user.Id}, {Email(user)}, {user.Name}, {user.Password ?? ""}, {user.ProfilePicUrl}, {user.Verified ?? false},
                    {user.Status ?? true}, {Utc(user.CreatedAt)}, {Utc(user.UpdatedAt)})
            ON CONFLICT DO NOTHING
            """, cancellationToken) == 1;

    private async Task<bool> InsertLinkAsync(Guid user, Guid role, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"INSERT INTO user_roles (user_id, role_id) VALUES ({user}, {role}) ON CONFLICT DO NOTHING",
            cancellationToken) == 1;

    private async Task<bool> InsertApiKeyAsync(SourceApiKey key, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO api_keys (id, key, version, permissions, comments, status, created_at, updated_at)
            VALUES ({key.Id}, {key.Key}, {key.Version ?? 1}, {key.Permissions ?? []}, {key.Comments ?? []}, {key.Status ?? true},
                    {Utc(key.CreatedAt)}, {Utc(key.UpdatedAt)})
            ON CONFLICT DO NOTHING
            """, cancellationToken) == 1;

    /// <summary>The tallies of one run.</summary>
    private sealed class Run(TextWriter output)
    {
        public TextWriter Output { get; } = output;
        public ImportTally Roles { get; } = new("roles");
        public ImportTally Users { get; } = new("users");
        public ImportTally UserRoles { get; } = new("user roles");
        public ImportTally ApiKeys { get; } = new("api keys");
        public IEnumerable<ImportTally> All => [Roles, Users, UserRoles, ApiKeys];
    }

    /// <summary>What one batch did, counted only once its transaction committed.</summary>
    private sealed class Batch
    {
        private readonly List<Func<TextWriter, Task>> _outcomes = [];

        public void Import(ImportTally tally) => _outcomes.Add(_ => { tally.AddImported(1); return Task.CompletedTask; });

        public void Skip(ImportTally tally, int count = 1) => _outcomes.Add(_ => { tally.AddSkipped(count); return Task.CompletedTask; });

        public void Reject(ImportTally tally, string where, string reason, int count = 1) =>
            _outcomes.Add(output => tally.RejectAsync(output, where, reason, count));

        public async Task ApplyAsync(TextWriter output)
        {
            foreach (var outcome in _outcomes) await outcome(output);
        }
    }
}
