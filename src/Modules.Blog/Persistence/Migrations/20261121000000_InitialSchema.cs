using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GoMicro.Modules.Blog.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "blogs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    title = table.Column<string>(type: "text", nullable: false),
                    description = table.Column<string>(type: "text", nullable: false),
                    text = table.Column<string>(type: "text", nullable: true),
                    draft_text = table.Column<string>(type: "text", nullable: false),
                    tags = table.Column<List<string>>(type: "text[]", nullable: false),
                    author_id = table.Column<Guid>(type: "uuid", nullable: false),
                    img_url = table.Column<string>(type: "text", nullable: true),
                    slug = table.Column<string>(type: "text", nullable: false),
                    score = table.Column<double>(type: "double precision", nullable: false, defaultValue: 0.01),
                    submitted = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false),
                    drafted = table.Column<bool>(type: "boolean", nullable: false, defaultValue: true),
                    published = table.Column<bool>(type: "boolean", nullable: false, defaultValue: false),
                    status = table.Column<bool>(type: "boolean", nullable: false, defaultValue: true),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    created_by = table.Column<Guid>(type: "uuid", nullable: false),
                    updated_by = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("blogs_pkey", x => x.id);
                    table.CheckConstraint("ck_blogs_score", "score >= 0 AND score <= 1");
                    table.CheckConstraint("ck_blogs_tags", "cardinality(tags) >= 1");
                });

            migrationBuilder.CreateIndex(
                name: "ix_blogs_author",
                table: "blogs",
                columns: new[] { "author_id", "updated_at", "score", "id" },
                descending: new[] { false, true, true, true },
                filter: "status");

            migrationBuilder.CreateIndex(
                name: "ix_blogs_published_latest",
                table: "blogs",
                columns: new[] { "updated_at", "score", "id" },
                descending: new bool[0],
                filter: "published AND status");

            migrationBuilder.CreateIndex(
                name: "ix_blogs_submitted",
                table: "blogs",
                columns: new[] { "updated_at", "score", "id" },
                descending: new bool[0],
                filter: "submitted AND status");

            migrationBuilder.CreateIndex(
                name: "ix_blogs_tags",
                table: "blogs",
                column: "tags",
                filter: "published AND status")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ux_blogs_slug",
                table: "blogs",
                column: "slug",
                unique: true);

            // What the model cannot hold (see BlogDbContext): the weighted full-text document (title A, description B),
            // kept up to date by PostgreSQL as a stored generated column, and its GIN index for the similar-blogs list;
            // and a bigger statistics sample for the tag array: tags have a long tail, and the sample lets the planner
            // see that a rare tag is rare (GIN index, then sort) and a common one common (walk ix_blogs_published_latest
            // in order until the page is full).
            migrationBuilder.Sql("""
                ALTER TABLE blogs ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('english'::regconfig, title), 'A') ||
                    setweight(to_tsvector('english'::regconfig, description), 'B')) STORED;
                CREATE INDEX ix_blogs_search ON blogs USING gin (search_vector) WHERE published AND status;
                ALTER TABLE blogs ALTER COLUMN tags SET STATISTICS 1000;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "blogs");
        }
    }
}
