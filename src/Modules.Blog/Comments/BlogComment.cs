using GoMicro.Modules.Blog.Persistence;
using GoMicro.Shared.Persistence;
using Microsoft.EntityFrameworkCore;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Comments;

/// <summary>
/// One comment on a blog (table <c>comments</c>, issue 34). The writer is a user id of the Auth module, whose name and
/// picture are asked for when a list is built, never stored here. <see cref="Status"/> false means deleted (soft delete,
/// as blogs are): the row stays for moderation records, no view shows it.
/// </summary>
internal sealed class BlogComment
{
    /// <summary>The comment's ObjectID, made like a blog's (<see cref="Requests.BlogIds.New"/>), stored as its 12 bytes.</summary>
    public ObjectId Id { get; set; }
    /// <summary>The blog it is about (no foreign key object: the blog may be unpublished or deleted later, which hides it).</summary>
    public ObjectId BlogId { get; set; }
    /// <summary>The writer's user id in the Auth module.</summary>
    public Guid AuthorId { get; set; }
    /// <summary>Trimmed text, 1-2000 characters.</summary>
    public required string Text { get; set; }
    /// <summary>False once deleted.</summary>
    public bool Status { get; set; } = true;
    /// <summary>Who changed it last: the writer, or whoever deleted it (writer, blog author or editor).</summary>
    public Guid UpdatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// The <c>comments</c> table in <see cref="BlogDbContext"/>'s model. Its two indexes serve the two lists, already in
/// their order and partial on the rows they read (not deleted):
/// <list type="bullet">
/// <item><c>ix_comments_blog</c>: a blog's comments, oldest first (<c>created_at</c>, then id).</item>
/// <item><c>ix_comments_author</c>: a writer's own comments, newest first.</item>
/// </list>
/// </summary>
internal static class CommentModel
{
    /// <summary>Index of a blog's list.</summary>
    public const string BlogIndex = "ix_comments_blog";

    /// <summary>Index of a writer's list.</summary>
    public const string AuthorIndex = "ix_comments_author";

    /// <summary>Adds the entity to <paramref name="model"/>.</summary>
    public static void Configure(ModelBuilder model) =>
        model.Entity<BlogComment>(e =>
        {
            e.ToTable("comments", t =>
            {
                t.HasCheckConstraint("ck_comments_id", "octet_length(id) = 12");
                t.HasCheckConstraint("ck_comments_blog_id", "octet_length(blog_id) = 12");
                t.HasCheckConstraint("ck_comments_text", "char_length(text) BETWEEN 1 AND 2000");
            });
            e.HasKey(c => c.Id).HasName("comments_pkey");
            e.Property(c => c.Id).ValueGeneratedNever();
            e.Property(c => c.Status).HasColumnDefault(true);
            e.HasIndex(c => new { c.BlogId, c.CreatedAt, c.Id }, BlogIndex).HasFilter("status");
            e.HasIndex(c => new { c.AuthorId, c.CreatedAt, c.Id }, AuthorIndex).IsDescending(false, true, true).HasFilter("status");
        });
}
