using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Persistence;

/// <summary>
/// One blog (table <c>blogs</c>). The author writes <see cref="DraftText"/>; publishing copies it to <see cref="Text"/>,
/// which is what the public reads. <see cref="Status"/> false means deleted (soft delete, as the reference does).
/// Title, description, slug, tags and image are edited in place, so they change a published blog's public view at once.
/// </summary>
internal sealed class BlogPost
{
    /// <summary>The blog's ObjectID (see <see cref="Requests.BlogIds"/>), stored as its 12 bytes.</summary>
    public ObjectId Id { get; set; }
    public required string Title { get; set; }
    public required string Description { get; set; }
    /// <summary>The published text; null until first published.</summary>
    public string? Text { get; set; }
    public required string DraftText { get; set; }
    /// <summary>Upper-case tags (PostgreSQL <c>text[]</c>).</summary>
    public List<string> Tags { get; set; } = [];
    /// <summary>The author's user id in the Auth module (no foreign key: the Blog database does not know users).</summary>
    public Guid AuthorId { get; set; }
    public string? ImgUrl { get; set; }
    /// <summary>Normalised (see <see cref="Model.Slugs"/>) and unique across all blogs, deleted ones included.</summary>
    public required string Slug { get; set; }
    /// <summary>0..1; new blogs get <see cref="InitialScore"/>.</summary>
    public double Score { get; set; } = InitialScore;
    public bool Submitted { get; set; }
    public bool Drafted { get; set; } = true;
    public bool Published { get; set; }
    /// <summary>False once deleted.</summary>
    public bool Status { get; set; } = true;
    /// <summary>Set the first time the blog is published and kept across unpublish/publish.</summary>
    public DateTimeOffset? PublishedAt { get; set; }
    public Guid CreatedBy { get; set; }
    public Guid UpdatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The reference's score for a new blog.</summary>
    public const double InitialScore = 0.01;
}
