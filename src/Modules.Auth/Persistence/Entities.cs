namespace GoMicro.Modules.Auth.Persistence;

/// <summary>A registered user (table <c>users</c>). Email is stored lower-cased and is unique.</summary>
internal sealed class UserAccount
{
    public Guid Id { get; set; }
    public required string Email { get; set; }
    public required string Name { get; set; }
    public required string PasswordHash { get; set; }
    public string? ProfilePicUrl { get; set; }
    public bool Verified { get; set; }
    /// <summary>False when the account is disabled; a disabled user cannot sign in or authenticate.</summary>
    public bool Status { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<Role> Roles { get; set; } = [];
}

/// <summary>A role (table <c>roles</c>): one of LEARNER, AUTHOR, EDITOR, ADMIN.</summary>
internal sealed class Role
{
    public Guid Id { get; set; }
    public required string Code { get; set; }
    public bool Status { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// One signed-in session (table <c>keystore</c>): the access token's <c>jti</c> is <see cref="PrimaryKey"/> and the refresh
/// token's is <see cref="SecondaryKey"/>. A token is accepted only while its row exists and is active; deleting the row
/// revokes both tokens at once.
/// </summary>
internal sealed class KeystoreEntry
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    public required string PrimaryKey { get; set; }
    public required string SecondaryKey { get; set; }
    public bool Status { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An API key clients send as <c>x-api-key</c> (table <c>api_keys</c>).</summary>
internal sealed class ApiKey
{
    public Guid Id { get; set; }
    public required string Key { get; set; }
    public int Version { get; set; } = 1;
    public List<string> Permissions { get; set; } = [];
    public List<string> Comments { get; set; } = [];
    public bool Status { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
