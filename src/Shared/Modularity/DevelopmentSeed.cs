namespace GoMicro.Shared.Modularity;

/// <summary>
/// Well-known values of the development seed (<c>Database:Seed</c>, on by default in Development only), shared so each
/// module's seed can refer to the others' data without asking across the bus.
/// </summary>
public static class DevelopmentSeed
{
    /// <summary>The reference system's development API key, seeded so its existing clients work unchanged.</summary>
    public const string ApiKey = "1D3F2DD1A5DE725DD4DF1D82BBB37";

    /// <summary>The seeded administrator's email; password <see cref="AdminPassword"/>, all four roles.</summary>
    public const string AdminEmail = "admin@example.com";

    /// <summary>The seeded administrator's password.</summary>
    public const string AdminPassword = "changeit";

    /// <summary>The seeded administrator's user id: fixed, so the Blog seed can name the admin as author of its sample blogs.</summary>
    public static readonly Guid AdminUserId = new("0193a6f0-0000-7000-8000-00000000ad01");
}
