using GoMicro.Modules.Blog.Model;
using Microsoft.Extensions.Options;
using MongoDB.Bson;
using ZiggyCreatures.Caching.Fusion;

namespace GoMicro.Modules.Blog.Caching;

/// <summary>Options bound from <c>Blog:Cache</c>.</summary>
internal sealed class BlogCacheOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Blog:Cache";

    /// <summary><c>Blog:Cache:PublicBlogDuration</c>: how long a public blog stays cached by id and by slug. Default 10 minutes (the reference's).</summary>
    public TimeSpan PublicBlogDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>Blog:Cache:SimilarBlogsDuration</c>: how long a similar-blogs list stays cached. Default 6 hours (the reference's).</summary>
    public TimeSpan SimilarBlogsDuration { get; set; } = TimeSpan.FromHours(6);

    /// <summary><c>Blog:Cache:GenerationMemoryDuration</c>: how long an instance keeps a generation in its memory before
    /// asking Redis again. The backplane evicts it at once on a change; this bounds how long an instance that missed the
    /// backplane's message (Redis partitioned away from it) can serve views of an old generation. Default 30 s.</summary>
    public TimeSpan GenerationMemoryDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Called inside the cache's loader, after a view was read from the database and before it is stored. Lets a test hold a
/// reader between its database read and its cache write, to prove the read-then-set race deterministically.
/// </summary>
internal interface IBlogViewLoadHook
{
    /// <summary>Runs after <paramref name="viewKey"/> was loaded (<paramref name="found"/> false when the load found nothing).</summary>
    Task LoadedAsync(string viewKey, bool found, CancellationToken cancellationToken);
}

/// <summary>
/// The public views the module caches (blog by id, blog by slug, similar list) in the process's <see cref="IFusionCache"/>
/// (memory, plus Redis and its backplane when configured), and their invalidation (ADR 8 as revised by ADR 14).
/// </summary>
/// <remarks>
/// <para>
/// Invalidation uses generation keys instead of deleting entries. Each view's key embeds a random generation token kept
/// under a small key of its own (<c>blog:gen:id:{id}</c>, <c>blog:gen:slug:{slug}</c>, and one <c>blog:gen:similar</c>
/// for all similar lists); a change writes a fresh token after its database commit, so every view cached before it
/// becomes unreachable at once. This closes the read-then-set race of delete-based eviction: a reader that loaded the old
/// row before the commit read the old generation before the commit too, so its late write lands under a key nobody reads
/// any more. Writing a generation goes through FusionCache: memory here, Redis, and a backplane message that evicts the
/// generation from every other instance's memory, which then reads the new one from Redis.
/// </para>
/// <para>
/// All similar lists share one generation because a change to a published blog can affect any list: the lists that
/// contain it, and the lists it now belongs in (a newly published blog, or an edited title).
/// </para>
/// <para>
/// Public blogs are tagged <c>author:{id}</c>, so a change to the author's profile can evict every view embedding it.
/// Nothing that was not found is cached. A Redis failure never fails a read: FusionCache treats it as a miss, and replays
/// failed writes and backplane messages when Redis answers again (auto-recovery).
/// </para>
/// </remarks>
internal sealed class BlogCache(IFusionCache cache, IOptions<BlogCacheOptions> options, IEnumerable<IBlogViewLoadHook> hooks)
{
    private const string SimilarGeneration = "blog:gen:similar";

    // Each starts from the cache's defaults, which carry the Redis timeouts (AddCoherentCache).
    /// <summary>Generations outlive the views they name in Redis; an idle one is simply recreated with a new token.</summary>
    private readonly FusionCacheEntryOptions _generationEntry = cache.CreateEntryOptions(
        entry => entry.SetMemoryCacheDuration(options.Value.GenerationMemoryDuration), TimeSpan.FromDays(1));
    private readonly FusionCacheEntryOptions _publicBlogEntry = cache.CreateEntryOptions(duration: options.Value.PublicBlogDuration);
    private readonly FusionCacheEntryOptions _similarEntry = cache.CreateEntryOptions(duration: options.Value.SimilarBlogsDuration);
    private readonly IBlogViewLoadHook[] _hooks = hooks.ToArray();

    /// <summary>The tag of every cached view that embeds the profile of author <paramref name="authorId"/>.</summary>
    public static string AuthorTag(Guid authorId) => $"author:{authorId}";

    /// <summary>The public blog with this id, from the cache or from <paramref name="load"/> (whose non-null result is cached).</summary>
    public async Task<PublicBlog?> GetPublicByIdAsync(ObjectId id, Func<CancellationToken, Task<PublicBlog?>> load, CancellationToken cancellationToken)
    {
        var generation = await GenerationAsync(IdGeneration(id), cancellationToken);
        return await GetOrLoadAsync($"blog:id:{id}:{generation}", _publicBlogEntry, load, b => [AuthorTag(b.Author.Id)], cancellationToken);
    }

    /// <summary>The public blog with this slug, from the cache or from <paramref name="load"/>.</summary>
    public async Task<PublicBlog?> GetPublicBySlugAsync(string slug, Func<CancellationToken, Task<PublicBlog?>> load, CancellationToken cancellationToken)
    {
        var generation = await GenerationAsync(SlugGeneration(slug), cancellationToken);
        return await GetOrLoadAsync($"blog:slug:{slug}:{generation}", _publicBlogEntry, load, b => [AuthorTag(b.Author.Id)], cancellationToken);
    }

    /// <summary>The similar list of blog <paramref name="id"/>, from the cache or from <paramref name="load"/>.</summary>
    public async Task<ItemBlog[]?> GetSimilarAsync(ObjectId id, Func<CancellationToken, Task<ItemBlog[]?>> load, CancellationToken cancellationToken)
    {
        var generation = await GenerationAsync(SimilarGeneration, cancellationToken);
        return await GetOrLoadAsync($"blog:similar:{id}:{generation}", _similarEntry, load, _ => null, cancellationToken);
    }

    /// <summary>
    /// Makes every cached view a committed change affects unreachable, on every instance: the blog by id, by each of
    /// <paramref name="slugs"/> (old and new when the slug changed) and, when <paramref name="publicListsAffected"/> (the
    /// blog was or is published), every similar list. Call after the database commit. Never throws for Redis failures.
    /// </summary>
    public async Task InvalidateAsync(ObjectId id, IEnumerable<string> slugs, bool publicListsAffected)
    {
        IEnumerable<string> generations = [IdGeneration(id), .. slugs.Distinct(StringComparer.Ordinal).Select(SlugGeneration)];
        if (publicListsAffected) generations = generations.Append(SimilarGeneration);
        // Not the request's token: once the change is committed its invalidation must happen even if the client went away.
        foreach (var generation in generations)
            await cache.SetAsync(generation, NewGeneration(), _generationEntry, CancellationToken.None);
    }

    private static string IdGeneration(ObjectId id) => $"blog:gen:id:{id}";

    private static string SlugGeneration(string slug) => $"blog:gen:slug:{slug}";

    private static string NewGeneration() => Guid.NewGuid().ToString("N");

    /// <summary>The current generation; a missing one (first read, expired, or Redis unreachable) starts a new one, which
    /// can only cause misses, never an old view.</summary>
    private ValueTask<string> GenerationAsync(string generationKey, CancellationToken cancellationToken) =>
        cache.GetOrSetAsync<string>(generationKey, _ => Task.FromResult(NewGeneration()), _generationEntry, cancellationToken);

    private async Task<T?> GetOrLoadAsync<T>(
        string viewKey, FusionCacheEntryOptions entry, Func<CancellationToken, Task<T?>> load, Func<T, string[]?> tags,
        CancellationToken cancellationToken) where T : class =>
        await cache.GetOrSetAsync<T?>(viewKey, async (context, ct) =>
        {
            var value = await load(ct);
            foreach (var hook in _hooks) await hook.LoadedAsync(viewKey, value is not null, ct);
            if (value is null)
            {
                context.Options.SkipMemoryCacheWrite = true;
                context.Options.SkipDistributedCacheWrite = true;
                return null;
            }
            context.Tags = tags(value);
            return value;
        }, entry, cancellationToken);
}
