using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Modules.Blog.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using MongoDB.Bson;
using Npgsql;

namespace GoMicro.Integration.Tests.Persistence;

/// <summary>
/// Issue 16 item 1: a Blog database written with UUID ids is brought to ObjectIDs by the migration, keeping every row
/// and its order of creation, and the same database always gets the same ids.
/// </summary>
public sealed class BlogIdMigrationTests
{
    private const string BeforeObjectIds = "20261121000000_InitialSchema";

    [Fact]
    public async Task Uuid_rows_become_objectids_in_creation_order_with_their_data()
    {
        await using var database = await TestDatabase.CreateAsync("blogids");
        await using var db = Context(database);
        await db.GetService<IMigrator>().MigrateAsync(BeforeObjectIds);

        // Ids in no particular relation to creation order; two rows in one second, one far in the past.
        var rows = new (Guid Id, DateTimeOffset CreatedAt, string Slug)[]
        {
            (Guid.Parse("ffffffff-0000-4000-8000-000000000001"), new DateTimeOffset(2026, 11, 20, 10, 0, 0, 250, TimeSpan.Zero), "second-of-a-pair"),
            (Guid.Parse("00000000-0000-4000-8000-0000000000ff"), new DateTimeOffset(2026, 11, 20, 10, 0, 0, 100, TimeSpan.Zero), "first-of-a-pair"),
            (Guid.Parse("77777777-0000-4000-8000-000000000002"), new DateTimeOffset(2019, 1, 2, 3, 4, 5, TimeSpan.Zero), "old-blog"),
        };
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            foreach (var (id, createdAt, slug) in rows)
            {
                await using var insert = new NpgsqlCommand("""
                    INSERT INTO blogs (id, title, description, draft_text, tags, author_id, slug, created_by, updated_by, created_at, updated_at)
                    VALUES (@id, 'Title ' || @slug, 'Description', 'Draft', ARRAY['TAG'], @author, @slug, @author, @author, @at, @at)
                    """, connection);
                insert.Parameters.AddWithValue("id", id);
                insert.Parameters.AddWithValue("slug", slug);
                insert.Parameters.AddWithValue("author", Guid.Parse("11111111-1111-4111-8111-111111111111"));
                insert.Parameters.AddWithValue("at", createdAt);
                await insert.ExecuteNonQueryAsync();
            }
        }

        await db.Database.MigrateAsync();

        var migrated = await db.Blogs.AsNoTracking().OrderBy(b => b.Id).ToListAsync();
        Assert.Equal(["old-blog", "first-of-a-pair", "second-of-a-pair"], migrated.Select(b => b.Slug));
        foreach (var blog in migrated)
        {
            var source = rows.Single(r => r.Slug == blog.Slug);
            Assert.Equal(source.CreatedAt.ToUnixTimeSeconds(), blog.Id.Timestamp);
            Assert.Equal("Title " + blog.Slug, blog.Title);
            Assert.Equal(["TAG"], blog.Tags);
            Assert.Matches("^[0-9a-f]{24}$", blog.Id.ToString());
        }
        // Deterministic: the microseconds and the UUID's tail, so a copy of this database migrates to the same ids.
        Assert.Equal("5c2c2a25" + "000000" + "0000000002", migrated[0].Id.ToString());

        // A new blog sorts after every migrated one, as the reference's ObjectIDs sort by creation time.
        var newer = ObjectId.GenerateNewId();
        Assert.All(migrated, b => Assert.True(b.Id < newer));
    }

    [Fact]
    public async Task The_id_column_holds_exactly_twelve_bytes()
    {
        await using var database = await TestDatabase.CreateAsync("blogids");
        await using var db = Context(database);
        await db.Database.MigrateAsync();

        var error = await Assert.ThrowsAsync<PostgresException>(() => db.Database.ExecuteSqlRawAsync("""
            INSERT INTO blogs (id, title, description, draft_text, tags, author_id, slug, created_by, updated_by, created_at, updated_at)
            VALUES ('\x0102'::bytea, 't', 'd', 'x', ARRAY['T'], gen_random_uuid(), 'short-id', gen_random_uuid(), gen_random_uuid(), now(), now())
            """));
        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    private static BlogDbContext Context(TestDatabase database)
    {
        var options = new DbContextOptionsBuilder<BlogDbContext>();
        BlogDbContext.Configure(options, database.ConnectionString);
        return new BlogDbContext(options.Options);
    }
}
