namespace GoMicro.Modules.Auth.Requests;

/// <summary>Limits of Auth request fields that api.md leaves open.</summary>
internal static class AuthRules
{
    /// <summary>Longest email field accepted as sent (64 + 1 + 255, the classic bound); the address itself is limited to 254 by <see cref="EmailAttribute"/>.</summary>
    public const int MaxEmailLength = 320;
    /// <summary>Longest URL accepted.</summary>
    public const int MaxUrlLength = 2000;
    /// <summary>Longest token accepted (ours are about 700 characters).</summary>
    public const int MaxTokenLength = 8192;
}
