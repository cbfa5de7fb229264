using System.Linq.Expressions;
using GoMicro.Modules.Blog.Model;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Blog.Persistence;

/// <summary>
/// The filters and the list queries, kept together because the indexes of <see cref="BlogDbContext"/> are built for
/// exactly these shapes (an integration test EXPLAINs them).
/// </summary>
/// <remarks>
/// Every list is a compiled query returning one page of <see cref="ItemBlog"/> in one order: newest change first, then the
/// higher score (the reference's order), then id, so pages never overlap. Composed per request instead, EF Core walks,
/// parameterizes and hashes the expression tree again each time; measured on <c>/blog/list/latest</c> and
/// <c>/blog/author/drafts</c>, that was about 40 % of the request's CPU. A compiled query's tree cannot call extension
/// methods, so the three list shapes each spell the order out.
/// A compiled query is bound to the EF Core model it first runs with, and each host has its own (tests run several in one
/// process), so the endpoints compile theirs when they are mapped rather than in static fields.
/// </remarks>
internal static class BlogQueries
{
    /// <summary>What the public may see: published and not deleted (the predicate of the partial indexes).</summary>
    public static IQueryable<BlogPost> PubliclyVisible(this IQueryable<BlogPost> blogs) => blogs.Where(b => b.Published && b.Status);

    /// <summary>Not deleted.</summary>
    public static IQueryable<BlogPost> Active(this IQueryable<BlogPost> blogs) => blogs.Where(b => b.Status);

    /// <summary>An author's own blogs that are not deleted.</summary>
    public static IQueryable<BlogPost> OwnedBy(this IQueryable<BlogPost> blogs, Guid authorId) =>
        blogs.Where(b => b.AuthorId == authorId && b.Status);

    /// <summary>Being written: created or unpublished, and not yet published again.</summary>
    public static readonly Expression<Func<BlogPost, bool>> IsDrafted = b => b.Drafted;

    /// <summary>Waiting for an editor.</summary>
    public static readonly Expression<Func<BlogPost, bool>> IsSubmitted = b => b.Submitted;

    /// <summary>Publicly visible unless deleted.</summary>
    public static readonly Expression<Func<BlogPost, bool>> IsPublished = b => b.Published;

    /// <summary>
    /// Compiles one page of all active blogs in <paramref name="state"/>: <c>(db, skip, take)</c> → items. With
    /// <see cref="IsPublished"/> it is the public latest list.
    /// </summary>
    public static Func<BlogDbContext, int, int, IAsyncEnumerable<ItemBlog>> CompileActivePage(Expression<Func<BlogPost, bool>> state) =>
        EF.CompileAsyncQuery((BlogDbContext db, int skip, int take) =>
            db.Blogs.AsNoTracking()
                .Where(b => b.Status).Where(state)
                .OrderByDescending(b => b.UpdatedAt).ThenByDescending(b => b.Score).ThenByDescending(b => b.Id)
                .Skip(skip).Take(take)
                .Select(BlogViews.Item));

    /// <summary>
    /// Compiles one page of an author's own active blogs in <paramref name="state"/>: <c>(db, authorId, skip, take)</c> →
    /// items.
    /// </summary>
    public static Func<BlogDbContext, Guid, int, int, IAsyncEnumerable<ItemBlog>> CompileOwnedPage(Expression<Func<BlogPost, bool>> state) =>
        EF.CompileAsyncQuery((BlogDbContext db, Guid authorId, int skip, int take) =>
            db.Blogs.AsNoTracking()
                .Where(b => b.AuthorId == authorId && b.Status).Where(state)
                .OrderByDescending(b => b.UpdatedAt).ThenByDescending(b => b.Score).ThenByDescending(b => b.Id)
                .Skip(skip).Take(take)
                .Select(BlogViews.Item));

    /// <summary>
    /// Compiles one page of the published blogs carrying every tag of <c>tags</c> (the API passes one):
    /// <c>(db, tags, skip, take)</c> → items. Translated to <c>tags @&gt; @tags</c>, which the GIN index serves.
    /// </summary>
    public static Func<BlogDbContext, string[], int, int, IAsyncEnumerable<ItemBlog>> CompileTaggedPage() =>
        EF.CompileAsyncQuery((BlogDbContext db, string[] tags, int skip, int take) =>
            db.Blogs.AsNoTracking()
                .Where(b => b.Published && b.Status && tags.All(t => b.Tags.Contains(t)))
                .OrderByDescending(b => b.UpdatedAt).ThenByDescending(b => b.Score).ThenByDescending(b => b.Id)
                .Skip(skip).Take(take)
                .Select(BlogViews.Item));
}
