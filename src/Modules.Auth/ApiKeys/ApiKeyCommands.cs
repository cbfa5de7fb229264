using System.Security.Cryptography;
using GoMicro.Modules.Auth.Persistence;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Persistence.Outbox;
using GoMicro.Shared.Web.Modularity;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Auth.ApiKeys;

/// <summary><c>apikey create [--comment TEXT]</c>: adds an active key with the GENERAL permission and prints it, and announces
/// <see cref="AuthEvents.ApiKeyChanged"/> in the same transaction, so a service that refused the key a moment ago (its
/// negative cache) accepts it at once.</summary>
internal sealed class CreateApiKeyCommand(AuthDbContext db, TimeProvider time) : IAdminCommand
{
    public string Name => "apikey create";
    public string Usage => "apikey create [--comment TEXT]   create an API key and print it";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        string? comment = null;
        if (arguments is ["--comment", var text]) comment = text;
        else if (arguments.Count > 0)
        {
            await output.WriteLineAsync($"error: unexpected arguments '{string.Join(' ', arguments)}'. Usage: {Usage}");
            return 1;
        }

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
        await output.WriteLineAsync(key.Key);
        return 0;
    }
}

/// <summary><c>apikey deactivate KEY</c>: marks a key inactive (for rotation) and announces <see cref="AuthEvents.ApiKeyChanged"/> in
/// the same transaction; a running Auth instance publishes it, and every service drops the key from its cache.</summary>
internal sealed class DeactivateApiKeyCommand(AuthDbContext db, TimeProvider time) : IAdminCommand
{
    public string Name => "apikey deactivate";
    public string Usage => "apikey deactivate KEY            stop accepting an API key";

    public async Task<int> RunAsync(IReadOnlyList<string> arguments, TextWriter output, CancellationToken cancellationToken)
    {
        if (arguments is not [var key])
        {
            await output.WriteLineAsync($"error: expected one key. Usage: {Usage}");
            return 1;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var changed = await db.ApiKeys.Where(k => k.Key == key)
            .ExecuteUpdateAsync(s => s.SetProperty(k => k.Status, false).SetProperty(k => k.UpdatedAt, time.GetUtcNow()), cancellationToken);
        if (changed == 0)
        {
            await output.WriteLineAsync("error: no such API key");
            return 1;
        }
        db.AddOutboxMessage(AuthEvents.ApiKeyChanged, new ApiKeyChanged(ApiKeyHash.Of(key), ApiKeyChanges.Deactivated));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await output.WriteLineAsync("deactivated");
        return 0;
    }
}
