using System.Security.Claims;
using GoMicro.Modules.Blog.AuthorLookup;
using GoMicro.Modules.Blog.Caching;
using GoMicro.Modules.Blog.Model;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Modules.Blog.Public;
using GoMicro.Modules.Blog.Requests;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Comments;

/// <summary>
/// Comments on published blogs (issue 34, api.md section 4a): <c>/blog/comment</c> for a signed-in user's writes and own
/// list, <c>/blog/comments/id/{id}</c> for the public list of a blog, cached like the other public views
/// (<see cref="BlogCache.GetCommentsAsync"/>). A comment is written only while its blog is published; an unpublished or
/// deleted blog's comments stay stored and answer 404 until it is published again. Writers' names and pictures come
/// from the Auth module over the bus; one it no longer knows (deactivated) has their comments left out of the lists.
/// </summary>
internal static class CommentEndpoints
{
    public const string CommentNotFound = "comment not found";

    /// <summary>Profile look-ups in flight at once while a list page is built (one per distinct writer on it).</summary>
    private const int ProfileLookupsAtOnce = 8;

    /// <summary>Maps the signed-in routes on <paramref name="comment"/> (<c>/blog/comment</c>, Bearer required) and the
    /// public list on <paramref name="comments"/> (<c>/blog/comments</c>, API key only).</summary>
    public static void Map(IEndpointRouteBuilder comment, IEndpointRouteBuilder comments)
    {
        comment.MapPost("/", CreateAsync)
            .Documented<Comment>("Comment on a published blog (rate-limited per user: RateLimiting:CommentsPerUser)",
                StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status429TooManyRequests);
        comment.MapPut("/id/{id}", UpdateAsync)
            .Documented<Comment>("Change the text of one of your comments", StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        comment.MapDelete("/id/{id}", DeleteAsync)
            .Documented("Delete a comment: its writer, the blog's author or an EDITOR may", StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        var writerPage = CommentQueries.CompileWriterPage();
        comment.MapGet("/mine", async ([AsParameters] PageQuery page, ClaimsPrincipal principal, BlogDbContext db, CancellationToken cancellationToken) =>
            {
                var writer = AuthorProfiles.FromPrincipal(principal);
                var rows = await writerPage(db, writer.Id, page.Skip(), page.Take()).ToListAsync(cancellationToken);
                return ApiResults.Success("success", rows.Select(r => r.ToView(writer)).ToList());
            })
            .Documented<Comment[]>("Your comments, newest first");

        var blogPage = CommentQueries.CompileBlogPage();
        comments.MapGet("/id/{id}", async ([AsParameters] BlogIdRoute route, [AsParameters] PageQuery page, HttpContext http,
                    AuthorProfiles authors, BlogCache cache, CancellationToken cancellationToken) =>
                {
                    var blogId = route.Value();
                    var list = await cache.GetCommentsAsync(blogId, int.Parse(page.Page!), page.Take(),
                                   ct => LoadPageAsync(http.RequestServices, authors, blogPage, blogId, page, ct), cancellationToken)
                               ?? throw ApiException.NotFound(PublicBlogEndpoints.BlogNotFound);
                    return ApiResults.Success("success", list);
                })
            .Documented<Comment[]>("The comments of a published blog, oldest first", StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> CreateAsync(
        CreateCommentRequest body, ClaimsPrincipal principal, BlogDbContext db, BlogCache cache, CommentRateLimit limit,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var writer = AuthorProfiles.FromPrincipal(principal);
        limit.Count(writer.Id);
        var blogId = body.Blog();
        var now = time.Timestamp();

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // FOR SHARE: an unpublish or delete of the blog waits for this comment's commit, so no comment is added to a blog
        // after it stopped being published; the comment is then one of the blog's, hidden with it.
        var published = await db.Database.SqlQuery<int>($"""
            SELECT 1 AS "Value" FROM blogs WHERE id = {blogId.ToByteArray()} AND published AND status FOR SHARE
            """).ToListAsync(cancellationToken);
        if (published.Count == 0) throw ApiException.NotFound(PublicBlogEndpoints.BlogNotFound);

        var comment = new BlogComment
        {
            Id = BlogIds.New(now),
            BlogId = blogId,
            AuthorId = writer.Id,
            Text = body.Text!,
            UpdatedBy = writer.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Comments.Add(comment);
        await CommitAsync(db, CommentViewChange.Of(blogId), cache, cancellationToken);
        return ApiResults.Success("comment created successfully", comment.ToView(writer));
    }

    private static async Task<IResult> UpdateAsync(
        [AsParameters] CommentIdRoute route, UpdateCommentRequest body, ClaimsPrincipal principal, BlogDbContext db, BlogCache cache,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var writer = AuthorProfiles.FromPrincipal(principal);
        var id = route.Value();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Someone else's comment answers as an unknown one: the route does not tell who wrote what.
        var comment = (await db.Comments
                          .FromSql($"SELECT * FROM comments WHERE id = {id.ToByteArray()} AND author_id = {writer.Id} AND status FOR UPDATE")
                          .ToListAsync(cancellationToken)).SingleOrDefault()
                      ?? throw ApiException.NotFound(CommentNotFound);
        comment.Text = body.Text!;
        comment.UpdatedBy = writer.Id;
        comment.UpdatedAt = time.Timestamp();
        await CommitAsync(db, CommentViewChange.Of(comment.BlogId), cache, cancellationToken);
        return ApiResults.Success("comment updated successfully", comment.ToView(writer));
    }

    /// <summary>Soft delete by the writer, the blog's author (moderating their own blog) or an editor; anyone else 403.</summary>
    private static async Task<IResult> DeleteAsync(
        [AsParameters] CommentIdRoute route, HttpContext http, BlogDbContext db, BlogCache cache, IAuthorizationService authorization,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = AuthorProfiles.FromPrincipal(http.User).Id;
        var id = route.Value();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var comment = (await db.Comments
                          .FromSql($"SELECT * FROM comments WHERE id = {id.ToByteArray()} AND status FOR UPDATE")
                          .ToListAsync(cancellationToken)).SingleOrDefault()
                      ?? throw ApiException.NotFound(CommentNotFound);
        if (comment.AuthorId != caller)
        {
            var blogAuthor = await db.Blogs.AsNoTracking().Where(b => b.Id == comment.BlogId).Select(b => (Guid?)b.AuthorId)
                .FirstOrDefaultAsync(cancellationToken);
            // The role check answers from the roles the authentication carried, or asks auth.authorization when a
            // reference auth service sent none (RoleAuthorizationHandler).
            if (blogAuthor != caller
                && !(await authorization.AuthorizeAsync(http.User, http, AuthPolicies.Role(RoleCodes.Editor))).Succeeded)
                throw ApiException.Forbidden(AuthTexts.InsufficientRole);
        }
        comment.Status = false;
        comment.UpdatedBy = caller;
        comment.UpdatedAt = time.Timestamp();
        await CommitAsync(db, CommentViewChange.Of(comment.BlogId), cache, cancellationToken);
        return ApiResults.Success("comment deleted successfully");
    }

    /// <summary>Saves the open transaction's changes with <paramref name="change"/> in the outbox, commits, and
    /// invalidates the blog's comment lists at once (the outbox redoes it if this process dies first).</summary>
    private static async Task CommitAsync(BlogDbContext db, CommentViewChange change, BlogCache cache, CancellationToken cancellationToken)
    {
        change.Record(db);
        await db.SaveChangesAsync(cancellationToken);
        await db.Database.CommitTransactionAsync(cancellationToken);
        await cache.InvalidateCommentsAsync(change);
    }

    /// <summary>
    /// One page of a published blog's comments with their writers' profiles, or null when the blog is not published. A
    /// writer the Auth module does not know (deactivated, or gone) has their comments left out: the page keeps its place in
    /// the list (page N always covers the same rows), so it may hold fewer than <c>limit</c>. A bus outage is not
    /// "unknown": <see cref="GoMicro.Shared.Bus.BusUnavailableException"/> propagates and becomes a 503.
    /// </summary>
    /// <remarks>The DbContext is leased on a miss only, as <see cref="PublicBlogEndpoints"/> does.</remarks>
    private static async Task<CommentPage?> LoadPageAsync(
        IServiceProvider services, AuthorProfiles authors, Func<BlogDbContext, ObjectId, int, int, IAsyncEnumerable<CommentRow>> blogPage,
        ObjectId blogId, PageQuery page, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<BlogDbContext>();
        if (!await db.Blogs.AsNoTracking().PubliclyVisible().AnyAsync(b => b.Id == blogId, cancellationToken)) return null;
        var rows = await blogPage(db, blogId, page.Skip(), page.Take()).ToListAsync(cancellationToken);

        var writers = rows.Select(r => r.AuthorId).Distinct().ToArray();
        var profiles = new System.Collections.Concurrent.ConcurrentDictionary<Guid, BlogAuthor?>();
        await Parallel.ForEachAsync(writers, new ParallelOptions { MaxDegreeOfParallelism = ProfileLookupsAtOnce, CancellationToken = cancellationToken },
            async (writer, ct) => profiles[writer] = await authors.FindAsync(writer, ct));
        var shown = rows.Where(r => profiles[r.AuthorId] is not null).Select(r => r.ToView(profiles[r.AuthorId]!)).ToList();
        return new CommentPage(shown, writers);
    }
}
