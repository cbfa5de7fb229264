using System.CommandLine;
using System.Data.Common;
using System.Diagnostics;
using GoMicro.Modules.Blog.AuthorLookup;
using GoMicro.Modules.Blog.Caching;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Modularity;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Blog.Import;

/// <summary>
/// <c>import blogs FILE [--batch-size N]</c>: brings a gomicro deployment's <c>blogs</c> collection, exported with
/// <c>mongoexport</c> (see <see cref="MongoExportReader"/>), into the Blog database with its ids, slugs, texts, tags,
/// states and timestamps unchanged (<see cref="ReferenceBlogDocument"/>).
/// <list type="bullet">
/// <item>Each author must be a user here (the users come first, with <c>import users</c>): the Auth module is asked
/// over the bus, once per author; a document whose author it does not know is rejected.</item>
/// <item>A blog whose id is already present is skipped and left as it is, so a second run changes nothing; a blog whose
/// slug belongs to another id (here, or earlier in the file) is rejected. A document that cannot be read, or breaks a
/// rule, is rejected with its line and reason, and none of it is written.</item>
/// <item>Documents are written in batches of N (default <see cref="DefaultBatchSize"/>), one transaction each; if the
/// database fails, that batch is rolled back, the earlier ones stay, and running the command again completes the import.</item>
/// </list>
/// Prints each rejection and then <c>blogs: N imported, N skipped (already present), N rejected</c>; exits 0 when nothing
/// was rejected, 1 otherwise (or when the file cannot be read, or the Auth module or the database cannot be reached).
/// </summary>
internal sealed class ImportBlogsCommand(BlogDbContext db, AuthorProfiles authors, BlogCache cache) : IAdminCommand
{
    /// <summary>Documents per transaction when <c>--batch-size</c> is not given.</summary>
    public const int DefaultBatchSize = 500;

    /// <summary>How long the first question to the Auth module may wait for the bus to connect (a split blog process
    /// connects to NATS on its first request).</summary>
    private static readonly TimeSpan ConnectWait = TimeSpan.FromSeconds(10);

    private readonly Dictionary<Guid, bool> _knownAuthors = [];

    private readonly Argument<string> _file = new("file") { Description = "The blogs collection exported with mongoexport (JSON lines or array)" };
    private readonly Option<int> _batchSize = AdminOptions.BatchSize("Documents per transaction", DefaultBatchSize);

    public string Name => "import blogs";
    public string Description => "Import a gomicro blogs collection exported with mongoexport";

    public void Configure(Command command)
    {
        command.Arguments.Add(_file);
        command.Options.Add(_batchSize);
    }

    public async Task<int> RunAsync(ParseResult parse, AdminConsole console, CancellationToken cancellationToken)
    {
        var batchSize = parse.GetValue(_batchSize);
        var path = parse.GetValue(_file)!;
        var output = console.Out;
        if (!File.Exists(path)) return await console.RefuseAsync($"no file '{path}'");

        var tally = new ImportTally("blogs");
        var batch = new List<(string Where, BlogPost Blog)>(batchSize);
        var failed = false;
        try
        {
            await foreach (var entry in MongoExportReader.ReadAsync(path, cancellationToken))
            {
                var (blog, reason) = entry.Document is null ? (null, entry.Reason) : ReferenceBlogDocument.Read(entry.Document);
                if (blog is null)
                {
                    await tally.RejectAsync(output, entry.Where, reason!);
                    continue;
                }
                batch.Add(($"{entry.Where} (blog {blog.Id})", blog));
                if (batch.Count < batchSize) continue;
                await WriteBatchAsync(batch, tally, output, cancellationToken);
                batch.Clear();
            }
            if (batch.Count > 0) await WriteBatchAsync(batch, tally, output, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await console.Error.WriteLineAsync($"error: cannot read '{path}'");
            failed = true;
        }
        catch (BusUnavailableException)
        {
            await console.Error.WriteLineAsync("error: the Auth module could not be asked whether the authors exist; nothing more was written. "
                + "Run the command again once it is reachable");
            failed = true;
        }
        catch (DbException)
        {
            await console.Error.WriteLineAsync("error: the Blog database failed; the batch being written was rolled back. Run the command again to finish");
            failed = true;
        }
        await tally.WriteSummaryAsync(output);
        return failed || tally.Rejected > 0 ? 1 : 0;
    }

    private async Task WriteBatchAsync(List<(string Where, BlogPost Blog)> batch, ImportTally tally, TextWriter output, CancellationToken cancellationToken)
    {
        foreach (var author in batch.Select(b => b.Blog.AuthorId).Distinct().Where(a => !_knownAuthors.ContainsKey(a)).ToList())
            _knownAuthors[author] = await AuthorExistsAsync(author, cancellationToken);

        var imported = new List<BlogPost>();
        var skipped = 0;
        var rejections = new List<(string Where, string Reason)>();
        BlogViewChange? change = null;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            foreach (var (where, blog) in batch)
            {
                if (!_knownAuthors[blog.AuthorId])
                    rejections.Add((where, $"author {blog.AuthorId} is not a user here (import the users first)"));
                else if (await InsertAsync(blog, cancellationToken))
                    imported.Add(blog);
                else if (await db.Blogs.AnyAsync(b => b.Id == blog.Id, cancellationToken))
                    skipped++;
                else
                    rejections.Add((where, $"slug '{blog.Slug}' already belongs to another blog"));
            }
            // New ids and slugs have nothing cached (misses are not cached), but a similar list may now miss a new public
            // blog. In the outbox with the rows, so the running instances apply it even if this process dies first.
            if (imported.FirstOrDefault(b => b.Published && b.Status) is { } published)
            {
                change = BlogViewChange.Of(published.Id, [published.Slug], publicListsAffected: true);
                change.Record(db);
                await db.SaveChangesAsync(cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        tally.AddImported(imported.Count);
        tally.AddSkipped(skipped);
        foreach (var (where, reason) in rejections) await tally.RejectAsync(output, where, reason);
        if (change is not null) await cache.InvalidateAsync(change);
    }

    /// <summary>Inserts the blog unless its id or its slug is taken (then false); EF does not convert raw SQL parameters,
    /// so the id goes in as its 12 bytes.</summary>
    private async Task<bool> InsertAsync(BlogPost blog, CancellationToken cancellationToken) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO blogs (id, title, description, text, draft_text, tags, author_id, img_url, slug, score,
                               submitted, drafted, published, status, published_at, created_by, updated_by, created_at, updated_at)
            VALUES ({blog.Id.ToByteArray()}, {blog.Title}, {blog.Description}, {blog.Text}, {blog.DraftText}, {blog.Tags},
                    {blog.AuthorId}, {blog.ImgUrl}, {blog.Slug}, {blog.Score}, {blog.Submitted}, {blog.Drafted}, {blog.Published},
                    {blog.Status}, {blog.PublishedAt}, {blog.CreatedBy}, {blog.UpdatedBy}, {blog.CreatedAt}, {blog.UpdatedAt})
            ON CONFLICT DO NOTHING
            """, cancellationToken) == 1;

    /// <summary>Whether the Auth module knows the user; while a split process's bus is still connecting, asks again for
    /// up to <see cref="ConnectWait"/>.</summary>
    /// <exception cref="BusUnavailableException">The Auth module could not be asked.</exception>
    private async Task<bool> AuthorExistsAsync(Guid author, CancellationToken cancellationToken)
    {
        var waiting = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await authors.FindAsync(author, cancellationToken) is not null;
            }
            catch (BusUnavailableException ex) when (ex.Reason == BusUnavailableReason.NotConnected && waiting.Elapsed < ConnectWait)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
        }
    }
}
