using System.ComponentModel.DataAnnotations;

namespace GoMicro.Modules.Auth.Authentication;

/// <summary>Bounds on sessions (keystore rows), bound from <c>Auth:Sessions</c> (ADR 0018).</summary>
internal sealed class AuthSessionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Auth:Sessions";

    /// <summary>Live sessions one user may have; a sign-in or refresh beyond it ends the oldest, as a sign-out would
    /// (default 10: a user's phones, computers and browsers). 0 means no bound, as in the reference.</summary>
    [Range(0, int.MaxValue)]
    public int MaxPerUser { get; set; } = 10;

    /// <summary>How often the expired sessions, whose refresh token can no longer be used, are deleted (default 1 hour).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows one purge statement deletes, so a large backlog never holds one long transaction.</summary>
    [Range(1, 1_000_000)]
    public int PurgeBatchSize { get; set; } = 1000;
}
