using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using GoMicro.Modules.Blog.Model;
using GoMicro.Shared.Caching;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MongoDB.Bson;

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
}

/// <summary>
/// The public views the module caches (blog by id, blog by slug, similar list) behind <see cref="IDistributedCache"/>,
/// and their invalidation. Works the same over Redis and the in-memory cache, and never lets a cache failure fail a request.
/// </summary>
/// <remarks>
/// <para>
/// Invalidation uses generation keys instead of deleting entries. Each view's key embeds a random generation token read
/// from a small key of its own (<c>blog:gen:id:{id}</c>, <c>blog:gen:slug:{slug}</c>, and one <c>blog:gen:similar</c> for all
/// similar lists); a change writes a fresh token after its database commit, so every view cached before it becomes
/// unreachable at once. Besides needing no reverse index, this closes the read-then-set race of delete-based eviction:
/// a reader that loaded the old row before the commit read the old generation before the commit too, so its late write
/// lands under a key nobody reads any more. Unreachable entries expire with their normal duration.
/// </para>
/// <para>
/// All similar lists share one generation because a change to a published blog can affect any list: the lists that
/// contain it, and the lists it now belongs in (a newly published blog, or an edited title). Changes to published blogs
/// are rare next to reads, so recomputing the lists after each is cheap.
/// </para>
/// <para>
/// When the cache fails, reads go to the database. A generation that could not be bumped is kept in memory and retried
/// first; until that succeeds this instance reads only from the database, so it never serves a view that its own
/// write invalidated.
/// </para>
/// </remarks>
internal sealed class BlogCache(IDistributedCache cache, IOptions<BlogCacheOptions> options, ILogger<BlogCache> logger)
{
    /// <summary>Generation keys outlive the views they name, so an idle key is simply recreated (with a new random token).</summary>
    private static readonly DistributedCacheEntryOptions GenerationEntry = new() { AbsoluteExpirationRelativeToNow = TimeSpan.FromDays(1) };
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan WarningInterval = TimeSpan.FromSeconds(30);
    private const string SimilarGeneration = "blog:gen:similar";

    private readonly DistributedCacheEntryOptions _publicBlogEntry = new() { AbsoluteExpirationRelativeToNow = options.Value.PublicBlogDuration };
    private readonly DistributedCacheEntryOptions _similarEntry = new() { AbsoluteExpirationRelativeToNow = options.Value.SimilarBlogsDuration };
    private readonly ConcurrentDictionary<string, ViewFamily> _pending = new(StringComparer.Ordinal);
    private long _lastWarning = long.MinValue;

    /// <summary>The public blog with this id, from the cache or from <paramref name="load"/> (whose non-null result is cached).</summary>
    public Task<PublicBlog?> GetPublicByIdAsync(ObjectId id, Func<CancellationToken, Task<PublicBlog?>> load, CancellationToken cancellationToken)
    {
        var family = ById(id);
        return GetOrLoadAsync(family.GenerationKey, family.ViewKey!, _publicBlogEntry, load, cancellationToken);
    }

    /// <summary>The public blog with this slug, from the cache or from <paramref name="load"/>.</summary>
    public Task<PublicBlog?> GetPublicBySlugAsync(string slug, Func<CancellationToken, Task<PublicBlog?>> load, CancellationToken cancellationToken)
    {
        var family = BySlug(slug);
        return GetOrLoadAsync(family.GenerationKey, family.ViewKey!, _publicBlogEntry, load, cancellationToken);
    }

    /// <summary>The similar list of blog <paramref name="id"/>, from the cache or from <paramref name="load"/>.</summary>
    public Task<ItemBlog[]?> GetSimilarAsync(ObjectId id, Func<CancellationToken, Task<ItemBlog[]?>> load, CancellationToken cancellationToken) =>
        GetOrLoadAsync(SimilarGeneration, generation => $"blog:similar:{id}:{generation}", _similarEntry, load, cancellationToken);

    /// <summary>
    /// Makes every cached view a committed change affects unreachable: the blog by id, by each of <paramref name="slugs"/>
    /// (old and new when the slug changed) and, when <paramref name="publicListsAffected"/> (the blog was or is published),
    /// every similar list. Call after the database commit. Never throws for cache failures: they are retried later.
    /// </summary>
    public async Task InvalidateAsync(ObjectId id, IEnumerable<string> slugs, bool publicListsAffected)
    {
        IEnumerable<ViewFamily> families = [ById(id), .. slugs.Select(BySlug)];
        if (publicListsAffected) families = families.Append(new ViewFamily(SimilarGeneration, null));
        // A fresh instance per change: a flush that bumped an older registration of the same key leaves this one pending.
        foreach (var family in families) _pending[family.GenerationKey] = family;
        // Not the request's token: once the change is committed its invalidation must happen even if the client went away.
        await TryFlushPendingAsync(CancellationToken.None);
    }

    /// <summary>Views that share one generation: its key, and how a generation names the view (null when the family has
    /// many views, as the similar lists do, so old ones cannot be named and simply expire). A class, compared by reference.</summary>
    private sealed class ViewFamily(string generationKey, Func<string, string>? viewKey)
    {
        public string GenerationKey { get; } = generationKey;
        public Func<string, string>? ViewKey { get; } = viewKey;
    }

    private static ViewFamily ById(ObjectId id) => new($"blog:gen:id:{id}", generation => $"blog:id:{id}:{generation}");

    private static ViewFamily BySlug(string slug) => new($"blog:gen:slug:{slug}", generation => $"blog:slug:{slug}:{generation}");

    private async Task<T?> GetOrLoadAsync<T>(
        string generationKey, Func<string, string> viewKey, DistributedCacheEntryOptions entry,
        Func<CancellationToken, Task<T?>> load, CancellationToken cancellationToken) where T : class
    {
        if (!await TryFlushPendingAsync(cancellationToken)) return await load(cancellationToken);

        string key;
        try
        {
            key = viewKey(await ReadGenerationAsync(generationKey, cancellationToken));
            var cached = await cache.GetAsync(key, cancellationToken);
            if (cached is not null) return JsonSerializer.Deserialize<T>(cached, Json);
        }
        catch (Exception ex) when (IsCacheFailure(ex, cancellationToken))
        {
            ReportFailure(ex);
            return await load(cancellationToken);
        }

        var value = await load(cancellationToken);
        if (value is null) return null;
        try
        {
            await cache.SetAsync(key, JsonSerializer.SerializeToUtf8Bytes(value, Json), entry, cancellationToken);
        }
        catch (Exception ex) when (IsCacheFailure(ex, cancellationToken))
        {
            ReportFailure(ex);
        }
        return value;
    }

    private async Task<string> ReadGenerationAsync(string generationKey, CancellationToken cancellationToken)
    {
        var stored = await cache.GetAsync(generationKey, cancellationToken);
        if (stored is not null) return Encoding.ASCII.GetString(stored);
        // No generation yet (first read, or it expired): start one. Racing readers may each write their own; the last
        // one wins and the others' entries are merely unreachable.
        return await WriteNewGenerationAsync(generationKey, cancellationToken);
    }

    private async Task<string> WriteNewGenerationAsync(string generationKey, CancellationToken cancellationToken)
    {
        var generation = Guid.NewGuid().ToString("N");
        await cache.SetAsync(generationKey, Encoding.ASCII.GetBytes(generation), GenerationEntry, cancellationToken);
        return generation;
    }

    /// <summary>Bumps every generation still waiting; true when none is left (the cache may be used).</summary>
    private async Task<bool> TryFlushPendingAsync(CancellationToken cancellationToken)
    {
        if (_pending.IsEmpty) return true;
        foreach (var (generationKey, family) in _pending)
        {
            try
            {
                var old = family.ViewKey is null ? null : await cache.GetAsync(family.GenerationKey, cancellationToken);
                await WriteNewGenerationAsync(family.GenerationKey, cancellationToken);
                _pending.TryRemove(KeyValuePair.Create(generationKey, family));
                // Only to free memory early: the old view is unreachable already.
                if (old is not null) await cache.RemoveAsync(family.ViewKey!(Encoding.ASCII.GetString(old)), cancellationToken);
            }
            catch (Exception ex) when (IsCacheFailure(ex, cancellationToken))
            {
                ReportFailure(ex);
                break;
            }
        }
        return _pending.IsEmpty;
    }

    /// <summary>Anything but the caller's own cancellation: an unreachable Redis, a timeout, an unreadable entry.</summary>
    private static bool IsCacheFailure(Exception exception, CancellationToken cancellationToken) =>
        !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested);

    /// <summary>Warns at most every <see cref="WarningInterval"/>, so an outage does not log once per request.</summary>
    private void ReportFailure(Exception exception)
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarning);
        var quiet = last != long.MinValue && Stopwatch.GetElapsedTime(last, now) < WarningInterval;
        if (!quiet && Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
            logger.LogWarning(exception is CacheUnavailableException ? null : exception,
                "Blog cache unavailable ({Reason}); serving from the database", exception.Message);
        else
            logger.LogDebug("Blog cache unavailable ({Reason}); serving from the database", exception.Message);
    }
}
