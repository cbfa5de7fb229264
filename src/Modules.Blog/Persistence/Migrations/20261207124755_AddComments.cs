using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GoMicro.Modules.Blog.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AddComments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "comments",
                columns: table => new
                {
                    id = table.Column<byte[]>(type: "bytea", nullable: false),
                    blog_id = table.Column<byte[]>(type: "bytea", nullable: false),
                    author_id = table.Column<Guid>(type: "uuid", nullable: false),
                    text = table.Column<string>(type: "text", nullable: false),
                    status = table.Column<bool>(type: "boolean", nullable: false, defaultValue: true),
                    updated_by = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("comments_pkey", x => x.id);
                    table.CheckConstraint("ck_comments_blog_id", "octet_length(blog_id) = 12");
                    table.CheckConstraint("ck_comments_id", "octet_length(id) = 12");
                    table.CheckConstraint("ck_comments_text", "char_length(text) BETWEEN 1 AND 2000");
                });

            migrationBuilder.CreateIndex(
                name: "ix_comments_author",
                table: "comments",
                columns: new[] { "author_id", "created_at", "id" },
                descending: new[] { false, true, true },
                filter: "status");

            migrationBuilder.CreateIndex(
                name: "ix_comments_blog",
                table: "comments",
                columns: new[] { "blog_id", "created_at", "id" },
                filter: "status");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "comments");
        }
    }
}
