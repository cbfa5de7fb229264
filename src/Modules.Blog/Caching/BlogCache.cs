using System.ComponentModel.DataAnnotations;
using GoMicro.Modules.Blog.Comments;
using GoMicro.Modules.Blog.Model;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Http.Json;
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
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan PublicBlogDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>Blog:Cache:SimilarBlogsDuration</c>: how long a similar-blogs list stays cached. Default 6 hours (the reference's).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan SimilarBlogsDuration { get; set; } = TimeSpan.FromHours(6);

    /// <summary><c>Blog:Cache:CommentListDuration</c>: how long a page of a blog's comment list stays cached. Default 10
    /// minutes; every change that affects it evicts it earlier.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan CommentListDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>Blog:Cache:ListPageDuration</c>: how long a first page of the latest list or of a tag's list stays
    /// cached. Default 10 minutes; every change that can alter a page (a published blog changed, published, unpublished or
    /// deleted; an author deactivated or activated) evicts it earlier. The reference caches no lists (issue 35).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
    public TimeSpan ListPageDuration { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>Blog:Cache:GenerationMemoryDuration</c>: how long an instance keeps a generation in its memory before
    /// asking Redis again. The backplane evicts it at once on a change; this bounds how long an instance that missed the
    /// backplane's message (Redis partitioned away from it) can serve views of an old generation. Default 30 s. Not used
    /// without Redis, where the memory is the generation's only copy.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "365.00:00:00")]
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
/// The public views the module caches (blog by id, blog by slug, similar list, first pages of the latest and tag lists,
/// pages of a blog's comment list) in the process's <see cref="IFusionCache"/>
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
/// Each change is also written to the Blog database's outbox in the change's own transaction (<see cref="BlogViewChange"/>),
/// and a running instance's dispatcher delivers it (<see cref="ApplyDeliveredAsync"/>): the invalidation right after the
/// commit keeps a writer's next read fresh, the outbox makes sure a crash or a Redis fault right after the commit cannot
/// lose it.
/// </para>
/// <para>
/// The first pages of the latest list and of every tag's list share one generation too, <c>blog:gen:lists</c>, renewed
/// by the same changes (ADR 35): a published blog's edit, publish, unpublish or delete can move it into, out of or
/// within any of them. Only first pages are cached (the pages everyone reads); deeper pages are read from the database.
/// </para>
/// <para>
/// All similar lists share one generation because a change to a published blog can affect any list: the lists that
/// contain it, and the lists it now belongs in (a newly published blog, or an edited title).
/// </para>
/// <para>
/// A blog's comment lists share one generation, <c>blog:gen:comments:{id}</c>, which a change of any of its comments
/// (<see cref="CommentViewChange"/>) and every change of the blog itself (<see cref="BlogViewChange"/>: published,
/// unpublished, deleted, edited) renew, through the same commit-then-outbox path.
/// </para>
/// <para>
/// Public blogs are tagged <c>author:{id}</c>, so a change to the author's profile can evict every view embedding it;
/// a comment list page is tagged with every writer of its rows, the ones it leaves out because the Auth module no longer
/// knows them (deactivated) included, so their activation brings their comments back.
/// Nothing that was not found is cached. A view is cached as its rendered JSON (<see cref="RenderedJson"/>, with the HTTP
/// responses' serializer options, ADR 25), so a hit writes bytes instead of serializing the blog again. A Redis failure
/// never fails a read: FusionCache treats it as a miss, and replays failed writes and backplane messages when Redis
/// answers again (auto-recovery).
/// </para>
/// </remarks>
internal sealed class BlogCache(
    IFusionCache cache, IOptions<BlogCacheOptions> options, IOptions<JsonOptions> json, IEnumerable<IBlogViewLoadHook> hooks)
{
    /// <summary>What every generation key starts with.</summary>
    private const string GenerationKeyPrefix = "blog:gen:";

    private const string SimilarGeneration = GenerationKeyPrefix + "similar";

    /// <summary>The one generation of every cached first page of the public lists (latest and by tag).</summary>
    private const string ListsGeneration = GenerationKeyPrefix + "lists";

    /// <summary>The last segment of every view's key: the entry's format, rendered JSON with the HTTP options (nulls
    /// omitted). Entries of an earlier format (a serialized object, nulls written) are then never read as rendered
    /// views while old and new instances share a Redis during a rolling deploy.</summary>
    private const string ViewFormat = "rendered";

    // Each starts from the cache's defaults, which carry the Redis timeouts (AddCoherentCache).
    /// <summary>Generations outlive the views they name in Redis; an idle one is simply recreated with a new token.</summary>
    private readonly FusionCacheEntryOptions _generationEntry = cache.CreateEntryOptions(
        entry => KeepInMemoryFor(entry, cache, options.Value), TimeSpan.FromDays(1));
    private readonly FusionCacheEntryOptions _publicBlogEntry = cache.CreateEntryOptions(duration: options.Value.PublicBlogDuration);
    private readonly FusionCacheEntryOptions _similarEntry = cache.CreateEntryOptions(duration: options.Value.SimilarBlogsDuration);
    private readonly FusionCacheEntryOptions _commentsEntry = cache.CreateEntryOptions(duration: options.Value.CommentListDuration);
    private readonly FusionCacheEntryOptions _listPageEntry = cache.CreateEntryOptions(duration: options.Value.ListPageDuration);
    /// <summary>The outbox's writes wait for Redis and the backplane and throw what they can, so a failure retries.</summary>
    private readonly FusionCacheEntryOptions _deliveredGenerationEntry = Strict(cache.CreateEntryOptions(
        entry => KeepInMemoryFor(entry, cache, options.Value), TimeSpan.FromDays(1)));
    /// <summary>A remove that leaves Redis alone: this memory and, through the backplane, every other instance's.</summary>
    private readonly FusionCacheEntryOptions _memoriesOnlyEntry = Strict(cache.CreateEntryOptions(entry => entry.SkipDistributedCacheWrite = true));
    /// <summary>This instance's memory only: no Redis write, no backplane message.</summary>
    private readonly FusionCacheEntryOptions _thisMemoryOnlyEntry = cache.CreateEntryOptions(entry =>
    {
        entry.SkipDistributedCacheWrite = true;
        entry.SkipBackplaneNotifications = true;
    });
    /// <summary>A generation put back in this instance's memory after this instance wrote it (<see cref="GenerationEvictions.Renewed"/>).</summary>
    private readonly FusionCacheEntryOptions _generationHereEntry = cache.CreateEntryOptions(entry =>
    {
        KeepInMemoryFor(entry, cache, options.Value);
        entry.SkipDistributedCacheWrite = true;
        entry.SkipBackplaneNotifications = true;
    }, TimeSpan.FromDays(1));
    /// <summary>A read of what Redis holds, past this instance's memory.</summary>
    private readonly FusionCacheEntryOptions _readBackEntry = cache.CreateEntryOptions(entry => entry.SkipMemoryCacheRead = true);
    private readonly IBlogViewLoadHook[] _hooks = hooks.ToArray();
    private readonly GenerationEvictions _evictions = new(cache, GenerationKeyPrefix);
    private readonly System.Text.Json.JsonSerializerOptions _json = json.Value.SerializerOptions;

    /// <summary>The tag of every cached view that embeds the profile of author <paramref name="authorId"/>.</summary>
    public static string AuthorTag(Guid authorId) => $"author:{authorId}";

    /// <summary>The public blog with this id, rendered, from the cache or from <paramref name="load"/> (whose non-null
    /// result is cached).</summary>
    public async Task<RenderedJson?> GetPublicByIdAsync(ObjectId id, Func<CancellationToken, Task<PublicBlog?>> load, CancellationToken cancellationToken)
    {
        var generation = await GenerationAsync(IdGeneration(id), cancellationToken);
        return await GetOrLoadAsync($"blog:id:{id}:{generation}:{ViewFormat}", _publicBlogEntry, load, b => [AuthorTag(b.Author.Id)], cancellationToken);
    }

    /// <summary>The public blog with this slug, rendered, from the cache or from <paramref name="load"/>.</summary>
    public async Task<RenderedJson?> GetPublicBySlugAsync(string slug, Func<CancellationToken, Task<PublicBlog?>> load, CancellationToken cancellationToken)
    {
        var generation = await GenerationAsync(SlugGeneration(slug), cancellationToken);
        return await GetOrLoadAsync($"blog:slug:{slug}:{generation}:{ViewFormat}", _publicBlogEntry, load, b => [AuthorTag(b.Author.Id)], cancellationToken);
    }

    /// <summary>The similar list of blog <paramref name="id"/>, rendered, from the cache or from <paramref name="load"/>.</summary>
    public async Task<RenderedJson?> GetSimilarAsync(ObjectId id, Func<CancellationToken, Task<ItemBlog[]?>> load, CancellationToken cancellationToken)
    {
        var generation = await GenerationAsync(SimilarGeneration, cancellationToken);
        return await GetOrLoadAsync($"blog:similar:{id}:{generation}:{ViewFormat}", _similarEntry, load, _ => null, cancellationToken);
    }

    /// <summary>The first page of <paramref name="limit"/> items of the latest list, rendered, from the cache or from
    /// <paramref name="load"/>, which answers null for an empty page (not cached, so a burst of requests for lists
    /// that do not exist cannot fill the memory).</summary>
    public async Task<RenderedJson?> GetLatestFirstPageAsync(int limit, Func<CancellationToken, Task<ItemBlog[]?>> load, CancellationToken cancellationToken)
    {
        var generation = await GenerationAsync(ListsGeneration, cancellationToken);
        return await GetOrLoadAsync($"blog:list:latest:{generation}:{limit}:{ViewFormat}", _listPageEntry, load, _ => null, cancellationToken);
    }

    /// <summary>As <see cref="GetLatestFirstPageAsync"/>, for the first page of the list of tag <paramref name="tag"/>
    /// (upper case, validated by the route).</summary>
    public async Task<RenderedJson?> GetTaggedFirstPageAsync(
        string tag, int limit, Func<CancellationToken, Task<ItemBlog[]?>> load, CancellationToken cancellationToken)
    {
        var generation = await GenerationAsync(ListsGeneration, cancellationToken);
        return await GetOrLoadAsync($"blog:list:tag:{tag}:{generation}:{limit}:{ViewFormat}", _listPageEntry, load, _ => null, cancellationToken);
    }

    /// <summary>
    /// Makes every cached list page unreachable, here and (Redis and its backplane) on every instance: called when an
    /// author is deactivated or activated. List items carry no author data and today's lists do not filter on the
    /// author's state (api.md), so no page changes yet; the eviction keeps issue 35's contract ("every change that can
    /// alter them") should they ever do, at the cost of one reload per page for a rare admin command. The service's
    /// durable consumer calls it, and acknowledges the event only once it returns: like an outbox delivery, it waits for
    /// Redis and the backplane and reads the generation back.
    /// </summary>
    /// <exception cref="BlogCacheUnavailableException">Redis did not take the generation (down, slow, or the circuit
    /// breaker open); the event is not acknowledged and comes again.</exception>
    public Task ForgetListsAsync(CancellationToken cancellationToken) =>
        ApplyDeliveredGenerationAsync([ListsGeneration], changeGeneration: null, cancellationToken);

    /// <summary>The part of <see cref="ForgetListsAsync"/> each instance does for itself on <c>auth.events.user-changed</c>
    /// (ADR 32): drops the lists' generation from this instance's memory, so its next list read takes the generation from
    /// Redis (which the service's consumer renews) or, without Redis, starts a new one.</summary>
    public ValueTask ForgetListsHereAsync(CancellationToken cancellationToken)
    {
        _evictions.Evict(ListsGeneration);
        return ValueTask.CompletedTask;
    }

    /// <summary>One page (<paramref name="page"/>, <paramref name="limit"/>) of blog <paramref name="blogId"/>'s comment list,
    /// rendered (its <see cref="CommentPage.Comments"/>), from the cache or from <paramref name="load"/>, which answers
    /// null when the blog is not published (not cached).</summary>
    public async Task<RenderedJson?> GetCommentsAsync(
        ObjectId blogId, int page, int limit, Func<CancellationToken, Task<CommentPage?>> load, CancellationToken cancellationToken)
    {
        var generation = await GenerationAsync(CommentsGeneration(blogId), cancellationToken);
        return await GetOrLoadAsync($"blog:comments:{blogId}:{generation}:{page}:{limit}:{ViewFormat}", _commentsEntry, load,
            p => p.Writers.Select(AuthorTag).ToArray(), cancellationToken, p => p.Comments);
    }

    /// <summary>
    /// Makes every cached view <paramref name="change"/> affects unreachable, on every instance, right after its commit so
    /// the writer's next read and the other instances see it at once: writes the change's own generation. Never throws
    /// for Redis failures: the same change is in the outbox (<see cref="BlogViewChange.Record"/>), whose delivery
    /// (<see cref="ApplyDeliveredAsync"/>) retries until Redis has it, so a crash or a Redis fault between the commit and
    /// this call loses nothing.
    /// </summary>
    public Task InvalidateAsync(BlogViewChange change) => WriteGenerationAsync(GenerationKeys(change), change.Generation);

    /// <summary>As <see cref="InvalidateAsync"/>, for a comment's change: its blog's comment lists.</summary>
    public Task InvalidateCommentsAsync(CommentViewChange change) => WriteGenerationAsync(GenerationKeys(change), change.Generation);

    private async Task WriteGenerationAsync(IEnumerable<string> generationKeys, string generation)
    {
        // Not the request's token: once the change is committed its invalidation must happen even if the client went away.
        foreach (var key in generationKeys)
        {
            await cache.SetAsync(key, generation, _generationEntry, CancellationToken.None);
            _evictions.Renewed(key, generation, _generationHereEntry);
        }
    }

    /// <summary>
    /// The outbox's delivery of <paramref name="change"/>, in whichever instance's dispatcher took it. For each generation
    /// it names: when Redis already holds the change's own generation, <see cref="InvalidateAsync"/> did the work after
    /// the commit and views cached under it are newer than the change, so nothing is written (no second round of misses);
    /// only the backplane's eviction is sent again, which makes the other instances read the generation from Redis.
    /// Otherwise (the writer died first, Redis missed its write, or a later change already moved on) it writes a fresh
    /// generation, never the change's own, which could make a view older than the later change reachable again, and
    /// reads it back from Redis, so the outbox row is deleted only once every instance can see the change (the backplane
    /// evicts their memory). Idempotent: a repeated delivery at worst starts one more generation.
    /// </summary>
    /// <exception cref="BlogCacheUnavailableException">Redis did not take a generation (down, slow, or the circuit
    /// breaker open); the dispatcher retries the message later.</exception>
    public Task ApplyDeliveredAsync(BlogViewChange change, CancellationToken cancellationToken) =>
        ApplyDeliveredGenerationAsync(GenerationKeys(change), change.Generation, cancellationToken);

    /// <summary>As <see cref="ApplyDeliveredAsync"/>, for a comment's change.</summary>
    /// <exception cref="BlogCacheUnavailableException">Redis did not take the generation; the dispatcher retries later.</exception>
    public Task ApplyDeliveredCommentsAsync(CommentViewChange change, CancellationToken cancellationToken) =>
        ApplyDeliveredGenerationAsync(GenerationKeys(change), change.Generation, cancellationToken);

    // changeGeneration: the generation the change's writer wrote after its commit; null for a change that has none (an
    // event applied once per service), which always writes a fresh one.
    private async Task ApplyDeliveredGenerationAsync(IEnumerable<string> generationKeys, string? changeGeneration, CancellationToken cancellationToken)
    {
        // Without Redis the only copy is this process's memory, which is what a plain read sees.
        var current = cache.HasDistributedCache ? _readBackEntry : _generationEntry;
        foreach (var key in generationKeys)
        {
            if (changeGeneration is not null)
            {
                var written = await cache.TryGetAsync<string>(key, current, cancellationToken);
                if (written.HasValue && written.Value == changeGeneration)
                {
                    // The writer may have died between its Redis write and its backplane message: send the eviction again.
                    if (cache.HasBackplane) await cache.RemoveAsync(key, _memoriesOnlyEntry, cancellationToken);
                    continue;
                }
            }

            var generation = NewGeneration();
            await cache.SetAsync(key, generation, _deliveredGenerationEntry, cancellationToken);
            // FusionCache swallows some Redis failures even when told to rethrow (an open circuit breaker, a soft
            // timeout) and queues them for its in-memory auto-recovery, which a crash loses: only a read proves it.
            if (cache.HasDistributedCache)
            {
                var stored = await cache.TryGetAsync<string>(key, _readBackEntry, cancellationToken);
                if (!stored.HasValue || stored.Value != generation) throw new BlogCacheUnavailableException(key);
            }
            _evictions.Renewed(key, generation, _generationHereEntry);
        }
    }

    /// <summary>
    /// Evicts every cached view that embeds author <paramref name="authorId"/>'s profile (public blogs, tagged
    /// <see cref="AuthorTag"/>), here and, through Redis and the backplane, on every instance. Called for each
    /// <c>auth.events.user-changed</c>: a new name or picture, or a deactivated author whose blogs now answer 404.
    /// </summary>
    public ValueTask ForgetAuthorAsync(Guid authorId, CancellationToken cancellationToken) =>
        cache.RemoveByTagAsync(AuthorTag(authorId), token: cancellationToken);

    /// <summary>Evicts, in this instance's memory only, every cached view that embeds author <paramref name="authorId"/>: the
    /// part of <see cref="ForgetAuthorAsync"/> each instance does for itself on <c>auth.events.user-changed</c>, while one
    /// instance of the service evicts the shared level (ADR 32).</summary>
    public ValueTask ForgetAuthorHereAsync(Guid authorId, CancellationToken cancellationToken) =>
        cache.RemoveByTagAsync(AuthorTag(authorId), _thisMemoryOnlyEntry, cancellationToken);

    private static IEnumerable<string> GenerationKeys(BlogViewChange change)
    {
        var id = ObjectId.Parse(change.BlogId);
        // Every change of a blog renews its comment lists' generation: publishing, unpublishing and deleting decide whether
        // they answer at all, and an edit of the blog costs one reload of its comment list at most.
        IEnumerable<string> keys = [IdGeneration(id), CommentsGeneration(id), .. change.Slugs.Distinct(StringComparer.Ordinal).Select(SlugGeneration)];
        // The public lists (similar, latest, by tag) hold only published blogs: a change of one that never was published
        // leaves them as they are.
        return change.PublicListsAffected ? keys.Append(SimilarGeneration).Append(ListsGeneration) : keys;
    }

    /// <summary>
    /// With Redis, an instance keeps a generation in memory for <see cref="BlogCacheOptions.GenerationMemoryDuration"/>
    /// and then reads it again from Redis, where it is unchanged unless a change moved it. Without Redis the memory is the
    /// only copy: expiring it there would start a new generation, so every view of the key would miss that often for no
    /// change at all; it lives as long as the generation itself.
    /// </summary>
    private static void KeepInMemoryFor(FusionCacheEntryOptions entry, IFusionCache cache, BlogCacheOptions options)
    {
        if (cache.HasDistributedCache) entry.SetMemoryCacheDuration(options.GenerationMemoryDuration);
    }

    private static IEnumerable<string> GenerationKeys(CommentViewChange change) => [CommentsGeneration(ObjectId.Parse(change.BlogId))];

    private static FusionCacheEntryOptions Strict(FusionCacheEntryOptions entry)
    {
        entry.ReThrowDistributedCacheExceptions = true;
        entry.ReThrowBackplaneExceptions = true;
        entry.AllowBackgroundBackplaneOperations = false;
        return entry;
    }

    private static string IdGeneration(ObjectId id) => $"{GenerationKeyPrefix}id:{id}";

    private static string SlugGeneration(string slug) => $"{GenerationKeyPrefix}slug:{slug}";

    private static string CommentsGeneration(ObjectId blogId) => $"{GenerationKeyPrefix}comments:{blogId}";

    /// <summary>A fresh generation token (32 hex digits).</summary>
    public static string NewGeneration() => Guid.NewGuid().ToString("N");

    /// <summary>The current generation; a missing one (first read, expired, or Redis unreachable) starts a new one, which
    /// can only cause misses, never an old view.</summary>
    /// <remarks>A read that an eviction of the key overtook drops what it stored and reads again
    /// (<see cref="GenerationEvictions"/>); after a few such rounds in a row it answers with what it read, which then serves
    /// that one request only.</remarks>
    private async ValueTask<string> GenerationAsync(string generationKey, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var mark = _evictions.Take(generationKey);
            var generation = await cache.GetOrSetAsync<string>(generationKey, _ => Task.FromResult(NewGeneration()), _generationEntry, cancellationToken);
            if (!_evictions.MovedSince(mark)) return generation;
            _evictions.DropRead(generationKey);
            if (attempt == 3) return generation;
        }
    }

    // render: what of the loaded value is rendered and served (default: all of it); the rest only feeds the tags.
    private async Task<RenderedJson?> GetOrLoadAsync<T>(
        string viewKey, FusionCacheEntryOptions entry, Func<CancellationToken, Task<T?>> load, Func<T, string[]?> tags,
        CancellationToken cancellationToken, Func<T, object>? render = null) where T : class =>
        await cache.GetOrSetAsync<RenderedJson?>(viewKey, async (context, ct) =>
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
            return render is null ? RenderedJson.Render(value, _json) : RenderedJson.Render(render(value), _json);
        }, entry, cancellationToken);
}
