using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GoMicro.Modules.Blog.Persistence.Migrations
{
    /// <summary>
    /// Blog ids become ObjectIDs (issue 16, ADR 0021), stored as their 12 bytes. Rows written with UUID ids keep their
    /// data and get an ObjectID made from the row itself, so running this on a copy of a database gives the same ids:
    /// bytes 0–3 the seconds of <c>created_at</c> since 1970 (an ObjectID's timestamp), bytes 4–6 its microseconds, bytes
    /// 7–11 the last five bytes of the old UUID (random in v4 and v7). New ids sort after old ones by creation time, as
    /// ObjectIDs do; the primary key would reject the one case that could collide (two rows of one microsecond sharing
    /// 40 random bits), rolling the whole migration back rather than losing a row.
    /// </summary>
    public partial class BlogIdsAsObjectIds : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // One ALTER ... USING converts every row and rebuilds the primary key and the list indexes that hold id.
            migrationBuilder.Sql("""
                ALTER TABLE blogs ALTER COLUMN id TYPE bytea USING
                    substring(int8send(floor(extract(epoch FROM created_at))::bigint) FROM 5 FOR 4)
                    || substring(int4send((extract(microseconds FROM created_at)::bigint % 1000000)::int) FROM 2 FOR 3)
                    || substring(uuid_send(id) FROM 12 FOR 5);
                """);

            migrationBuilder.AddCheckConstraint(
                name: "ck_blogs_id",
                table: "blogs",
                sql: "octet_length(id) = 12");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_blogs_id",
                table: "blogs");

            // Keeps every row: the UUID is the ObjectID's 12 bytes followed by four zero bytes (the old UUIDs are not kept).
            migrationBuilder.Sql("ALTER TABLE blogs ALTER COLUMN id TYPE uuid USING (encode(id, 'hex') || '00000000')::uuid;");
        }
    }
}
