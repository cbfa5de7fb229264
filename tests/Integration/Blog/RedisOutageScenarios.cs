using System.Net;
using System.Text.Json;
using GoMicro.Integration.Tests.Infrastructure;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// Redis is an accelerator, never a dependency: while it is down or hanging every request still succeeds from the
/// database (no 500), the readiness probe reports it as degraded, changes are never hidden by stale cached views,
/// and the cache is used again by itself when Redis returns. Each test leaves the topology's Redis running.
/// </summary>
public abstract class RedisOutageScenarios(Topology topology, RedisServer redis)
{
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(20);
    private HttpClient Blog => topology.Blog;

    private async Task<string?> TitleAsync(TestBlog blog, bool bySlug = false) =>
        (await Blog.GetEnvelopeAsync(bySlug ? $"/blog/slug/{blog.Slug}" : $"/blog/id/{blog.Id}")).ShouldSucceed().Data.GetProperty("title").GetString();

    private async Task<string?> RedisHealthAsync()
    {
        using var response = await Blog.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);   // degraded, not unhealthy: the instance stays in rotation
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return report.RootElement.GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("name").GetString() == "redis").GetProperty("status").GetString();
    }

    /// <summary>Reads the blog by id and slug and notes anything but a 200 with <paramref name="title"/>; never throws, so a
    /// polling probe cannot swallow a wrong answer.</summary>
    private async Task ObserveAsync(TestBlog blog, string title, List<string> problems)
    {
        foreach (var path in new[] { $"/blog/id/{blog.Id}", $"/blog/slug/{blog.Slug}" })
        {
            var read = await Blog.GetEnvelopeAsync(path);
            var seen = read.HttpStatus == HttpStatusCode.OK ? read.Data.GetProperty("title").GetString() : $"HTTP {(int)read.HttpStatus}";
            if (seen != title) problems.Add($"{path}: {seen}");
        }
    }

    private Task<bool> CachedByIdAsync(TestBlog blog) =>
        redis.KeysAsync($"{MonolithWithOwnRedisTopology.KeyPrefix}*blog:id:{blog.Id}:*").ContinueWith(keys => keys.Result.Length > 0);

    [Fact]
    public async Task Killing_redis_mid_test_degrades_to_database_reads_and_writes_and_the_cache_returns_by_itself()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);
        Assert.Equal(blog.Title, await TitleAsync(blog));
        // Under a loaded machine the first write can outlast the 300 ms Redis timeout; FusionCache's auto-recovery then
        // writes it again, so wait for it to land rather than require the first attempt to.
        await Eventually.HoldsAsync(() => CachedByIdAsync(blog), TimeSpan.FromSeconds(15), "the view is cached in Redis before the outage");
        Assert.Equal("Healthy", await RedisHealthAsync());

        await redis.KillAsync();
        try
        {
            Assert.Equal(blog.Title, await TitleAsync(blog));
            Assert.Equal(blog.Title, await TitleAsync(blog, bySlug: true));
            (await Blog.GetEnvelopeAsync($"/blog/list/similar/id/{blog.Id}")).ShouldSucceed();
            await topology.UpdateAsync(cast.Author, blog, new { title = "Edited while Redis is down" });
            Assert.Equal("Edited while Redis is down", await TitleAsync(blog));
            var other = await topology.CreatePublishedAsync(cast);
            Assert.Equal(other.Title, await TitleAsync(other, bySlug: true));
            Assert.Equal("Degraded", await RedisHealthAsync());
        }
        finally
        {
            await redis.StartAsync();
        }

        await Eventually.HoldsAsync(async () => await RedisHealthAsync() == "Healthy", Recovery, "the Redis health check recovers");
        var problems = new List<string>();
        await Eventually.HoldsAsync(async () =>
        {
            await ObserveAsync(blog, "Edited while Redis is down", problems);
            return await CachedByIdAsync(blog);
        }, Recovery, "reads fill the restarted Redis again");
        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_change_made_while_redis_hangs_is_never_hidden_by_a_view_cached_before()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);
        Assert.Equal(blog.Title, await TitleAsync(blog));
        Assert.Equal(blog.Title, await TitleAsync(blog, bySlug: true));

        // A paused Redis keeps its data (the old views) but answers nothing: reads time out and the breaker opens, so the
        // update's invalidation cannot reach Redis at all.
        await redis.PauseAsync();
        try
        {
            Assert.Equal(blog.Title, await TitleAsync(blog));
            Assert.Equal(blog.Title, await TitleAsync(blog));
            await topology.UpdateAsync(cast.Author, blog, new { title = "Edited while Redis hangs" });
            Assert.Equal("Edited while Redis hangs", await TitleAsync(blog));
        }
        finally
        {
            await redis.ResumeAsync();
        }

        // From the moment Redis answers again, no read may return the view cached before the change.
        var problems = new List<string>();
        await Eventually.HoldsAsync(async () =>
        {
            await ObserveAsync(blog, "Edited while Redis hangs", problems);
            return await RedisHealthAsync() == "Healthy" && await CachedByIdAsync(blog);
        }, Recovery, "the cache is used again, with the edited view");
        await ObserveAsync(blog, "Edited while Redis hangs", problems);
        Assert.Empty(problems);
    }
}

/// <summary>The outage scenarios against the monolith on its own redis-server.</summary>
public sealed class RedisOutageOnMonolith(MonolithWithOwnRedisTopology topology)
    : RedisOutageScenarios(topology, topology.Redis), IClassFixture<MonolithWithOwnRedisTopology>;
