using System.Linq.Expressions;
using GoMicro.Modules.Blog.Model;
using GoMicro.Modules.Blog.Requests;

namespace GoMicro.Modules.Blog.Persistence;

/// <summary>
/// The filters and the one ordering every list uses, kept together because the indexes of
/// <see cref="BlogDbContext"/> are built for exactly these shapes (an integration test EXPLAINs them).
/// </summary>
internal static class BlogQueries
{
    /// <summary>What the public may see: published and not deleted (the predicate of the partial indexes).</summary>
    public static IQueryable<BlogPost> PubliclyVisible(this IQueryable<BlogPost> blogs) => blogs.Where(b => b.Published && b.Status);

    /// <summary>Blogs carrying <paramref name="tag"/>; translated to <c>tags @&gt; ARRAY[tag]</c>, which the GIN index serves.</summary>
    public static IQueryable<BlogPost> Tagged(this IQueryable<BlogPost> blogs, string tag)
    {
        string[] wanted = [tag];
        return blogs.Where(b => wanted.All(t => b.Tags.Contains(t)));
    }

    /// <summary>Not deleted.</summary>
    public static IQueryable<BlogPost> Active(this IQueryable<BlogPost> blogs) => blogs.Where(b => b.Status);

    /// <summary>Being written: created or unpublished, and not yet published again.</summary>
    public static readonly Expression<Func<BlogPost, bool>> IsDrafted = b => b.Drafted;

    /// <summary>Waiting for an editor.</summary>
    public static readonly Expression<Func<BlogPost, bool>> IsSubmitted = b => b.Submitted;

    /// <summary>Publicly visible unless deleted.</summary>
    public static readonly Expression<Func<BlogPost, bool>> IsPublished = b => b.Published;

    /// <summary>An author's own blogs that are not deleted.</summary>
    public static IQueryable<BlogPost> OwnedBy(this IQueryable<BlogPost> blogs, Guid authorId) =>
        blogs.Where(b => b.AuthorId == authorId && b.Status);

    /// <summary>Newest change first, then the higher score (the reference's order), then id so pages never overlap.</summary>
    public static IQueryable<BlogPost> NewestFirst(this IQueryable<BlogPost> blogs) =>
        blogs.OrderByDescending(b => b.UpdatedAt).ThenByDescending(b => b.Score).ThenByDescending(b => b.Id);

    /// <summary>One page of a list in <see cref="NewestFirst"/> order, projected to the list shape.</summary>
    public static IQueryable<ItemBlog> Page(this IQueryable<BlogPost> blogs, PageQuery page) =>
        blogs.NewestFirst().Skip(page.Skip()).Take(page.Take()).ToItems();
}
