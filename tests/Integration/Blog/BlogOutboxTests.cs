using System.Data.Common;
using System.Diagnostics;
using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Shared.Persistence.Outbox;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace GoMicro.Integration.Tests.Blog;

/// <summary>
/// Instances of the monolith on one Redis and one pair of databases. The fixture's own instance (<see cref="Topology.Blog"/>)
/// runs no Blog outbox dispatcher, so whatever its outbox holds stays there until a test starts an instance that runs one:
/// what a reader sees when the process that committed a change died before invalidating it, and nobody else has
/// delivered the change yet.
/// </summary>
public sealed class OutboxCrashTopology : MonolithWithRedisTopology
{
    /// <inheritdoc />
    protected override void ConfigureServices(IServiceCollection services) => WithoutBlogDispatcher(services);

    /// <summary>Starts one more instance on this topology's databases and Redis, with <paramref name="services"/> over its own.</summary>
    public async Task<GoMicroHostFactory> StartInstanceAsync(Action<IServiceCollection>? services = null)
    {
        var settings = SettingsFor("monolith");
        Configure(settings);
        var host = new GoMicroHostFactory(settings, services);
        await host.StartAsync();
        return host;
    }

    /// <summary>Removes the Blog database's outbox dispatcher (the Auth module's keeps running).</summary>
    public static void WithoutBlogDispatcher(IServiceCollection services) =>
        services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(OutboxDispatcher<BlogDbContext>)));
}

/// <summary>
/// Makes the next committed Blog transaction the last thing its process does: the commit reaches PostgreSQL, then this
/// throws before any code after the commit runs, exactly the state a <c>kill -9</c> right after the commit leaves (the
/// cache write that followed it never happens; only what the transaction wrote survives).
/// </summary>
public sealed class CrashAfterCommit : DbTransactionInterceptor
{
    private int _armed;

    /// <summary>Crashes after the next commit.</summary>
    public void Arm() => Volatile.Write(ref _armed, 1);

    /// <summary>True once a commit crashed.</summary>
    public bool Crashed { get; private set; }

    /// <inheritdoc />
    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _armed, 0) == 0) return Task.CompletedTask;
        Crashed = true;
        throw new SimulatedCrashException();
    }

    /// <summary>The process "died" here.</summary>
    public sealed class SimulatedCrashException() : Exception("simulated crash right after the commit");
}

/// <summary>
/// A cache invalidation survives the death of the process that committed the change (issue 10 item 2, ADR 14): it is in
/// the Blog database's outbox, written in the change's transaction, and the next instance that runs the outbox dispatcher
/// applies it to Redis, whose backplane evicts it from every instance's memory.
/// </summary>
public sealed class BlogOutboxTests(OutboxCrashTopology topology, ITestOutputHelper output) : IClassFixture<OutboxCrashTopology>
{
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(15);

    private Task<long> PendingChangesOfAsync(TestBlog blog) =>
        topology.BlogDatabase.ScalarAsync<long>(
            "SELECT count(*) FROM outbox_messages WHERE subject = 'blog.views-changed' AND payload->>'blogId' = @id",
            ("id", blog.Id.ToString()));

    [Fact]
    public async Task An_unpublish_whose_process_dies_right_after_the_commit_is_still_invalidated_everywhere()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);
        var path = $"/blog/id/{blog.Id}";
        (await topology.Blog.GetEnvelopeAsync(path)).ShouldSucceed();   // the reader caches the published view
        var pending = await PendingChangesOfAsync(blog);                // the publish's, which nobody delivers yet

        // The writer: a second instance without a Blog dispatcher of its own, which dies right after its commit.
        var crash = new CrashAfterCommit();
        var writer = await topology.StartInstanceAsync(services =>
        {
            OutboxCrashTopology.WithoutBlogDispatcher(services);
            services.ConfigureDbContext<BlogDbContext>(options => options.AddInterceptors(crash));
        });
        await using (writer)
        {
            using var client = writer.CreateClient();
            crash.Arm();
            var unpublish = await client.PutEnvelopeAsync($"/blog/editor/unpublish/id/{blog.Id}", null, cast.Editor.AccessToken);
            Assert.True(crash.Crashed, "the writer died right after its commit");
            Assert.Equal(HttpStatusCode.InternalServerError, unpublish.HttpStatus);
        }

        // Committed, and the invalidation is only in the outbox: the reader still serves the published view, which is
        // where an in-memory invalidation would have left every instance until the entry expired.
        Assert.False(await topology.BlogDatabase.ScalarAsync<bool>("SELECT published FROM blogs WHERE id = @id", ("id", blog.Id.ToByteArray())));
        Assert.Equal(pending + 1, await PendingChangesOfAsync(blog));
        Assert.Equal(HttpStatusCode.OK, (await topology.Blog.GetEnvelopeAsync(path)).HttpStatus);

        // An instance that runs the dispatcher (the writer restarted, or any other) delivers it.
        var sinceStart = Stopwatch.StartNew();
        await using var restarted = await topology.StartInstanceAsync();
        var started = sinceStart.Elapsed;
        while ((await topology.Blog.GetEnvelopeAsync(path)).HttpStatus != HttpStatusCode.NotFound)
        {
            Assert.True(sinceStart.Elapsed < GiveUp, $"the reader still serves the unpublished blog {GiveUp.TotalSeconds} s after an instance with a dispatcher started");
            await Task.Delay(5);
        }
        output.WriteLine($"the reader answered 404 {sinceStart.Elapsed.TotalMilliseconds:0} ms after the restart began " +
                         $"({(sinceStart.Elapsed - started).TotalMilliseconds:0} ms after the restarted instance was up)");
        Assert.Equal(HttpStatusCode.NotFound, (await topology.Blog.GetEnvelopeAsync($"/blog/slug/{blog.Slug}")).HttpStatus);
        await Eventually.HoldsAsync(async () => await PendingChangesOfAsync(blog) == 0, GiveUp, "the delivered change left the outbox");
    }

    [Fact]
    public async Task A_change_that_rolls_back_leaves_nothing_in_the_outbox()
    {
        var cast = await BlogCast.CreateAsync(topology);
        var blog = await topology.CreatePublishedAsync(cast);
        var before = await PendingChangesOfAsync(blog);

        // Unpublishing twice: the second matches no row, answers 400 and must not announce a change.
        await topology.UnpublishAsync(cast.Editor, blog);
        var again = await topology.Blog.PutEnvelopeAsync($"/blog/editor/unpublish/id/{blog.Id}", null, cast.Editor.AccessToken);
        Assert.Equal(HttpStatusCode.BadRequest, again.HttpStatus);
        Assert.Equal(before + 1, await PendingChangesOfAsync(blog));
    }
}
