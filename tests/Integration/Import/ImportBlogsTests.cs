using System.Net;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Contracts.Auth;

namespace GoMicro.Integration.Tests.Import;

/// <summary>
/// <c>import blogs FILE</c> on a gomicro <c>blogs</c> export the tests write themselves (<see cref="ReferenceBlogExport"/>):
/// the blogs come in with their ids, slugs, texts, tags, states and times, a second run changes nothing, and bad
/// documents are rejected with their line and reason while the good ones of the same file are imported.
/// </summary>
public sealed class ImportBlogsTests(MonolithTopology topology) : IClassFixture<MonolithTopology>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gomicro-import-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_relaxed_export_comes_in_with_ids_slugs_texts_tags_states_and_times_and_a_second_run_changes_nothing()
    {
        var author = await TestUsers.CreateAsync(topology, RoleCodes.Author);
        var published = ReferenceBlog.PublishedBy(author.Id);
        var draft = ReferenceBlog.DraftBy(author.Id) with { Submitted = true };
        var deleted = ReferenceBlog.PublishedBy(author.Id, "Deleted one") with { Status = false };
        var file = Write(ReferenceBlogExport.Lines([published, draft, deleted]));

        var (exitCode, output) = await topology.BlogHost.RunCommandAsync("import", "blogs", file);

        Assert.True(exitCode == 0, output);
        Assert.Contains("blogs: 3 imported, 0 skipped (already present), 0 rejected", output);
        var read = (await topology.Blog.GetEnvelopeAsync($"/blog/id/{published.Id}")).ShouldSucceed().Data;
        Assert.Equal(published.Id, read.GetProperty("_id").GetString());
        Assert.Equal(published.Slug, read.GetProperty("slug").GetString());
        Assert.Equal(published.Text, read.GetProperty("text").GetString());
        Assert.Equal(published.Tags, read.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(published.Score, read.GetProperty("score").GetDouble());
        Assert.Equal(published.PublishedAt, read.GetProperty("publishedAt").GetDateTimeOffset());
        Assert.Equal(author.Id, read.GetProperty("author").GetProperty("_id").GetGuid());
        (await topology.Blog.GetEnvelopeAsync($"/blog/slug/{published.Slug}")).ShouldSucceed();

        var mine = (await topology.Blog.GetEnvelopeAsync($"/blog/author/id/{draft.Id}", author.AccessToken)).ShouldSucceed().Data;
        Assert.Equal(draft.DraftText, mine.GetProperty("draftText").GetString());
        Assert.False(mine.TryGetProperty("text", out _));
        Assert.False(mine.TryGetProperty("imgUrl", out _));
        Assert.True(mine.GetProperty("submitted").GetBoolean());
        Assert.True(mine.GetProperty("drafted").GetBoolean());
        Assert.False(mine.GetProperty("published").GetBoolean());
        Assert.Equal(draft.CreatedAt, mine.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(draft.UpdatedAt, mine.GetProperty("updatedAt").GetDateTimeOffset());
        (await topology.Blog.GetEnvelopeAsync($"/blog/id/{deleted.Id}")).ShouldFail(HttpStatusCode.NotFound, "blog not found");
        Assert.False(await BlogColumnAsync<bool>(deleted.Id, "status"));

        var rowsBefore = await ChangeStampAsync();
        var (again, againOutput) = await topology.BlogHost.RunCommandAsync("import", "blogs", file);
        Assert.True(again == 0, againOutput);
        Assert.Contains("blogs: 0 imported, 3 skipped (already present), 0 rejected", againOutput);
        Assert.Equal(rowsBefore, await ChangeStampAsync());
    }

    [Fact]
    public async Task A_canonical_pretty_array_with_every_uuid_form_is_read_across_several_batches()
    {
        var author = await TestUsers.CreateAsync(topology);
        var blogs = new[] { ReferenceBlog.PublishedBy(author.Id), ReferenceBlog.DraftBy(author.Id), ReferenceBlog.PublishedBy(author.Id, "Third") };
        var array = ReferenceBlogExport.CanonicalArray(blogs[..2], UuidForm.Binary4);
        // One more document with the author as a UUID string, in the same array.
        array = array.TrimEnd()[..^1] + ",\n  " + ReferenceBlogExport.Relaxed(blogs[2], UuidForm.Text) + "\n]\n";
        var file = Write(array);

        var (exitCode, output) = await topology.BlogHost.RunCommandAsync("import", "blogs", file, "--batch-size", "2");

        Assert.True(exitCode == 0, output);
        Assert.Contains("blogs: 3 imported, 0 skipped (already present), 0 rejected", output);
        foreach (var blog in blogs)
        {
            Assert.Equal(author.Id, await BlogColumnAsync<Guid>(blog.Id, "author_id"));
            Assert.Equal(author.Id, await BlogColumnAsync<Guid>(blog.Id, "created_by"));
            Assert.Equal(blog.Score, await BlogColumnAsync<double>(blog.Id, "score"));
        }
    }

    [Fact]
    public async Task Bad_documents_are_rejected_with_their_line_and_reason_and_none_of_them_is_written()
    {
        var author = await TestUsers.CreateAsync(topology);
        var existing = ReferenceBlog.PublishedBy(author.Id);
        Assert.Equal(0, (await topology.BlogHost.RunCommandAsync("import", "blogs", Write(ReferenceBlogExport.Lines([existing])))).ExitCode);

        var good = ReferenceBlog.PublishedBy(author.Id, "Good");
        var strangersBlog = ReferenceBlog.PublishedBy(Guid.NewGuid(), "By a stranger");
        var takenSlug = ReferenceBlog.PublishedBy(author.Id, "Slug taken") with { Slug = existing.Slug };
        var sameSlugTwice = ReferenceBlog.PublishedBy(author.Id, "Slug twice") with { Slug = good.Slug };
        var badScore = ReferenceBlog.PublishedBy(author.Id, "Bad score") with { Score = 1.5 };
        var noTags = ReferenceBlog.PublishedBy(author.Id, "No tags") with { Tags = [] };
        var lines = new[]
        {
            ReferenceBlogExport.Relaxed(good),                                        // line 1
            "{\"_id\": {\"$oid\": \"" + ReferenceBlog.NewObjectId() + "\", \"title\": ", // line 2: cut off
            ReferenceBlogExport.Relaxed(strangersBlog),                               // line 3
            ReferenceBlogExport.Relaxed(takenSlug),                                   // line 4
            ReferenceBlogExport.Relaxed(sameSlugTwice),                               // line 5
            ReferenceBlogExport.Relaxed(badScore),                                    // line 6
            ReferenceBlogExport.Relaxed(noTags),                                      // line 7
            ReferenceBlogExport.Relaxed(good).Replace("\"draftText\"", "\"draft\""),  // line 8: a field missing
        };
        var (exitCode, output) = await topology.BlogHost.RunCommandAsync("import", "blogs", Write(string.Join("\n", lines)));

        Assert.Equal(1, exitCode);
        Assert.Contains("rejected line 2: not a JSON document", output);
        Assert.Contains($"rejected line 3 (blog {strangersBlog.Id}): author {strangersBlog.Author} is not a user here", output);
        Assert.Contains($"rejected line 4 (blog {takenSlug.Id}): slug '{existing.Slug}' already belongs to another blog", output);
        Assert.Contains($"rejected line 5 (blog {sameSlugTwice.Id}): slug '{good.Slug}' already belongs to another blog", output);
        Assert.Contains("rejected line 6: 'score' must be from 0 to 1", output);
        Assert.Contains("rejected line 7: 'tags' is empty", output);
        Assert.Contains("rejected line 8: 'draftText' is missing", output);
        Assert.Contains("blogs: 1 imported, 0 skipped (already present), 7 rejected", output);
        Assert.DoesNotContain("Exception", output);
        foreach (var rejected in new[] { strangersBlog, takenSlug, sameSlugTwice, badScore, noTags })
            Assert.Equal(0L, await topology.BlogDatabase.ScalarAsync<long>("SELECT count(*) FROM blogs WHERE id = decode(@id, 'hex')", ("id", rejected.Id)));
        Assert.Equal(good.Title, await BlogColumnAsync<string>(good.Id, "title"));
        Assert.Equal(existing.Title, await BlogColumnAsync<string>(existing.Id, "title"));
    }

    [Fact]
    public async Task A_broken_array_is_reported_where_reading_stopped()
    {
        var author = await TestUsers.CreateAsync(topology);
        var first = ReferenceBlog.PublishedBy(author.Id);
        var file = Write("[" + ReferenceBlogExport.Relaxed(first) + ", {\"_id\": oops}]");

        var (exitCode, output) = await topology.BlogHost.RunCommandAsync("import", "blogs", file);

        Assert.Equal(1, exitCode);
        Assert.Contains("rejected the array after document 1: not valid Extended JSON; nothing after this point could be read", output);
        Assert.Contains("blogs: 1 imported, 0 skipped (already present), 1 rejected", output);
    }

    [Fact]
    public async Task A_missing_file_and_wrong_arguments_write_nothing_and_exit_1()
    {
        var (missing, missingOutput) = await topology.BlogHost.RunCommandAsync("import", "blogs", Path.Combine(_directory, "none.json"));
        Assert.Equal(1, missing);
        Assert.StartsWith("error: no file", missingOutput);
        var (wrong, wrongOutput) = await topology.BlogHost.RunCommandAsync("import", "blogs", "a.json", "--batch-size", "0");
        Assert.Equal(1, wrong);
        Assert.StartsWith("error: --batch-size must be a positive number", wrongOutput);
    }

    private string Write(string content)
    {
        var path = Path.Combine(_directory, $"blogs-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        return path;
    }

    private Task<T?> BlogColumnAsync<T>(string id, string column) =>
        topology.BlogDatabase.ScalarAsync<T>($"SELECT {column} FROM blogs WHERE id = decode(@id, 'hex')", ("id", id));

    /// <summary>Changes nothing can hide from: the row count and every row's transaction id.</summary>
    private Task<string?> ChangeStampAsync() =>
        topology.BlogDatabase.ScalarAsync<string>("SELECT count(*) || ':' || coalesce(string_agg(xmin::text, ',' ORDER BY id), '') FROM blogs");
}

/// <summary>
/// <c>import blogs</c> as an operator runs it beside a split deployment: a blog-role process that is built but never
/// started, as the CLI does, whose bus connects to NATS only when the import first asks the auth service about an author.
/// </summary>
public sealed class ImportBlogsOnSplitTests(SplitTopology topology) : IClassFixture<SplitTopology>, IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"gomicro-import-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task The_blog_role_cli_asks_the_auth_service_over_nats_and_imports()
    {
        var author = await TestUsers.CreateAsync(topology);
        var blog = ReferenceBlog.PublishedBy(author.Id);
        var stranger = ReferenceBlog.PublishedBy(Guid.NewGuid(), "Stranger");
        await File.WriteAllTextAsync(_file, ReferenceBlogExport.Lines([blog, stranger]));

        await using var cli = GoMicro.Host.GoMicroApplication.Build(
        [
            "--role", "blog", $"--ConnectionStrings:Blog={topology.BlogDatabase.ConnectionString}", "--ConnectionStrings:Auth=",
            "--ConnectionStrings:Redis=", "--Bus:Transport=Nats", $"--Bus:Nats:Url={topology.Nats.Url}",
        ], Microsoft.Extensions.Logging.LogLevel.Warning);
        var output = new StringWriter();
        var exitCode = await GoMicro.Host.Commands.AdminCommandRunner.RunAsync(cli.Services, cli.Configuration, ["import", "blogs", _file],
            new GoMicro.Shared.Modularity.AdminConsole(output, output), CancellationToken.None);

        Assert.Equal(1, exitCode);
        Assert.Contains($"author {stranger.Author} is not a user here", output.ToString());
        Assert.Contains("blogs: 1 imported, 0 skipped (already present), 1 rejected", output.ToString());
        (await topology.Blog.GetEnvelopeAsync($"/blog/id/{blog.Id}")).ShouldSucceed();
    }
}
