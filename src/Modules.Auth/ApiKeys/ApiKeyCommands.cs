using System.CommandLine;
using System.Security.Cryptography;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Modularity;
using GoMicro.Shared.Persistence.Outbox;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.ApiKeys;

/// <summary><c>apikey create [--comment TEXT]</c>: adds an active key with the GENERAL permission and prints it, and announces
/// <see cref="AuthEvents.ApiKeyChanged"/> in the same transaction, so a service that refused the key a moment ago (its
/// negative cache) accepts it at once.</summary>
internal sealed class CreateApiKeyCommand(AuthDbContext db, TimeProvider time) : IAdminCommand
{
    private readonly Option<string> _comment = new("--comment") { Description = "A note kept with the key (who or what it is for)" };

    public string Name => "apikey create";
    public string Description => "Create an API key and print it (only the key, so KEY=$(gomicro apikey create) works)";

    public void Configure(Command command) => command.Options.Add(_comment);

    public async Task<int> RunAsync(ParseResult parse, AdminConsole console, CancellationToken cancellationToken)
    {
        var comment = parse.GetValue(_comment);
        var now = time.GetUtcNow();
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            // 160 random bits as upper-case hex: the reference's keys are upper-case hex too.
            Key = Convert.ToHexString(RandomNumberGenerator.GetBytes(20)),
            Permissions = ["GENERAL"],
            Comments = comment is null ? [] : [comment],
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.ApiKeys.Add(key);
        db.AddOutboxMessage(AuthEvents.ApiKeyChanged, new ApiKeyChanged(ApiKeyHash.Of(key.Key), ApiKeyChanges.Created));
        await db.SaveChangesAsync(cancellationToken);
        await console.Out.WriteLineAsync(key.Key);
        return 0;
    }
}

/// <summary><c>apikey deactivate KEY</c>: marks a key inactive (for rotation) and announces <see cref="AuthEvents.ApiKeyChanged"/> in
/// the same transaction; a running Auth instance publishes it, and every service drops the key from its cache.</summary>
internal sealed class DeactivateApiKeyCommand(AuthDbContext db, TimeProvider time) : IAdminCommand
{
    private readonly Argument<string> _key = new("key") { Description = "The API key to stop accepting" };

    public string Name => "apikey deactivate";
    public string Description => "Stop accepting an API key";

    public void Configure(Command command) => command.Arguments.Add(_key);

    public async Task<int> RunAsync(ParseResult parse, AdminConsole console, CancellationToken cancellationToken)
    {
        var key = parse.GetValue(_key)!;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await db.ApiKeys.Where(k => k.Key == key)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.Status, false).SetProperty(k => k.UpdatedAt, time.GetUtcNow()), cancellationToken);
        if (changed == 0)
        {
            return await console.RefuseAsync("no such API key");
        }
        db.AddOutboxMessage(AuthEvents.ApiKeyChanged, new ApiKeyChanged(ApiKeyHash.Of(key), ApiKeyChanges.Deactivated));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await console.Out.WriteLineAsync("deactivated");
        return 0;
    }
}
