using GoMicro.Shared.Modularity;

namespace GoMicro.Modules.Blog.Persistence;

/// <summary>The development seed's sample blogs (see <see cref="BlogDatabase"/>).</summary>
internal static class SampleBlogs
{
    /// <summary>The development admin (<c>admin@example.com</c>), whom the Auth seed creates with this well-known id.</summary>
    public static readonly Guid AuthorId = DevelopmentSeed.AdminUserId;

    internal sealed record Sample(string Slug, string Title, string Description, string Text, string[] Tags, string ImgUrl);

    public static readonly IReadOnlyList<Sample> All =
    [
        new("welcome-to-gomicro", "Welcome to GoMicro.NET",
            "A tour of the blogging platform: authors write, editors publish, everyone reads.",
            "GoMicro.NET serves blogs from one binary that runs as a monolith or as separate auth and blog services. "
            + "Sign up, ask an admin for the AUTHOR role, write a draft, submit it, and an editor publishes it.",
            ["GOMICRO", "WELCOME"], "https://picsum.photos/seed/gomicro/800/400"),
        new("postgresql-full-text-search", "Full-text search with PostgreSQL",
            "Weighted tsvector documents, GIN indexes and ts_rank: search without a search engine.",
            "A stored generated tsvector column keeps the document current; setweight gives titles more weight than descriptions; "
            + "a GIN index answers @@ queries quickly, and ts_rank orders the matches.",
            ["POSTGRESQL", "SEARCH"], "https://picsum.photos/seed/fts/800/400"),
        new("ranking-search-results-postgresql", "Ranking search results in PostgreSQL",
            "How ts_rank weighs title and description matches, and how to break ties.",
            "ts_rank takes a weight per label, so a title hit can count three times a description hit. Ties fall back to recency and score.",
            ["POSTGRESQL", "SEARCH"], "https://picsum.photos/seed/rank/800/400"),
        new("caching-with-redis-dotnet", "Caching blogs with Redis in .NET",
            "IDistributedCache, generation keys and what to do when Redis goes away.",
            "A cache must never serve a view a change made stale, and must never fail a request: when Redis is down, read the database.",
            ["DOTNET", "REDIS", "CACHING"], "https://picsum.photos/seed/redis/800/400"),
        new("request-reply-with-nats", "Request-reply messaging with NATS",
            "How the blog service asks the auth service who a user is.",
            "Services talk over NATS request-reply with a small JSON envelope; in the monolith the same messages cross in process.",
            ["NATS", "MESSAGING"], "https://picsum.photos/seed/nats/800/400"),
        new("modular-monolith-dotnet", "From Go microservices to a .NET modular monolith",
            "One binary, two modules, and a role switch that splits them into services.",
            "Each module owns its database and its routes and reaches the other only over the bus, so the monolith can be split at any time.",
            ["DOTNET", "ARCHITECTURE"], "https://picsum.photos/seed/monolith/800/400"),
    ];
}
