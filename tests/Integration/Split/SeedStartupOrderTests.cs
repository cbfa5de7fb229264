using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Modularity;

namespace GoMicro.Integration.Tests.Split;

/// <summary>
/// The split started on empty databases in any order seeds the sample blogs: the Blog seed asks the Auth module for
/// their author over NATS, so when the blog process comes first it waits for an auth instance (bounded by
/// <c>Database:SeedWaitTimeout</c>) instead of giving up at once, as it did before the bus was up.
/// </summary>
public sealed class SeedStartupOrderTests
{
    private const string WaitingMessage = "Sample blogs wait for the Auth module";

    [Fact]
    public async Task A_blog_process_started_before_any_auth_process_seeds_the_samples_once_auth_is_up()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var authDatabase = await TestDatabase.CreateAsync("auth");
        await using var blogDatabase = await TestDatabase.CreateAsync("blog");
        await using var blog = new GoMicroHostFactory(Settings("blog", authDatabase, blogDatabase, nats, seedWait: TimeSpan.FromMinutes(2)));
        blog.StartServer();
        var blogLogs = LogCapture.AttachTo(blog.Services);

        var blogSeed = GoMicro.Host.GoMicroApplication.PrepareDatabasesAsync(blog.Services);
        await Eventually.HoldsAsync(() => Task.FromResult(blogLogs.Entries.Any(e => e.Message.StartsWith(WaitingMessage))),
            TimeSpan.FromSeconds(60), "the blog seed says it waits for the Auth module");
        Assert.False(blogSeed.IsCompleted, "the blog seed gave up although its wait is two minutes and no auth process ran");
        Assert.Equal(0L, await blogDatabase.ScalarAsync<long>("SELECT count(*) FROM blogs"));

        await using var auth = new GoMicroHostFactory(Settings("auth", authDatabase, blogDatabase, nats, seedWait: TimeSpan.FromMinutes(2)));
        await auth.StartAsync();
        await blogSeed.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal((long)GoMicro.Modules.Blog.Persistence.SampleBlogs.All.Count,
            await blogDatabase.ScalarAsync<long>("SELECT count(*) FROM blogs WHERE author_id = @author", ("author", DevelopmentSeed.AdminUserId)));
        Assert.DoesNotContain(blogLogs.Entries, e => e.Message.StartsWith("Sample blogs not seeded"));
    }

    [Fact]
    public async Task A_blog_seed_with_no_auth_process_gives_up_after_its_wait_and_writes_nothing()
    {
        await using var nats = await NatsServer.StartAsync();
        await using var authDatabase = await TestDatabase.CreateAsync("auth");
        await using var blogDatabase = await TestDatabase.CreateAsync("blog");
        await using var blog = new GoMicroHostFactory(Settings("blog", authDatabase, blogDatabase, nats, seedWait: TimeSpan.FromSeconds(3)));
        blog.StartServer();
        var blogLogs = LogCapture.AttachTo(blog.Services);

        await GoMicro.Host.GoMicroApplication.PrepareDatabasesAsync(blog.Services).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0L, await blogDatabase.ScalarAsync<long>("SELECT count(*) FROM blogs"));
        Assert.Contains(blogLogs.Entries, e => e.Message.StartsWith("Sample blogs not seeded") && e.Message.Contains("could not be asked"));
    }

    private static Dictionary<string, string?> Settings(string role, TestDatabase auth, TestDatabase blog, NatsServer nats, TimeSpan seedWait)
    {
        var settings = GoMicroHostFactory.BaseSettings(role);
        settings["ConnectionStrings:Auth"] = role == "auth" ? auth.ConnectionString : "";
        settings["ConnectionStrings:Blog"] = role == "blog" ? blog.ConnectionString : "";
        settings["Bus:Transport"] = "Nats";
        settings["Bus:Nats:Url"] = nats.Url;
        settings["Database:SeedWaitTimeout"] = seedWait.ToString();
        return settings;
    }
}
