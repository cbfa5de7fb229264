using System.Security.Claims;
using GoMicro.Modules.Blog.AuthorLookup;
using GoMicro.Modules.Blog.Caching;
using GoMicro.Modules.Blog.Model;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Modules.Blog.Requests;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Editor;

/// <summary>
/// The editors' desk under <c>/blog/editor</c> (the group requires the EDITOR role): read any active blog, publish a
/// submitted one, and unpublish a published one. Their lists of every author's submitted and published blogs are
/// <c>Lists.EditorListEndpoints</c>.
/// </summary>
internal static class EditorEndpoints
{
    public static string NotFound(ObjectId id) => $"{id} not found";
    public static string BlogMissing(ObjectId id) => $"blog for _id {id} not found";
    public static string AlreadyPublished(ObjectId id) => $"blog for _id {id} is already published";
    public static string NotSubmitted(ObjectId id) => $"blog for _id {id} is not submitted";
    public static string NotPublished(ObjectId id) => $"blog for _id {id} is not published";

    public static void Map(IEndpointRouteBuilder editor)
    {
        editor.MapGet("/id/{id}", GetAsync)
            .Documented<PrivateBlog>("Any active blog, with its author", StatusCodes.Status404NotFound);
        editor.MapPut("/publish/id/{id}", PublishAsync)
            .Documented("Publish a submitted blog: its draft text becomes the public text", StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        editor.MapPut("/unpublish/id/{id}", UnpublishAsync)
            .Documented("Take a published blog back to draft; it disappears from every public view", StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
    }

    /// <summary>The blog with its author's profile from the Auth module; an author it no longer knows makes it 404, as in the reference.</summary>
    private static async Task<IResult> GetAsync(
        [AsParameters] BlogIdRoute route, BlogDbContext db, AuthorProfiles authors, CancellationToken cancellationToken)
    {
        var id = route.Value();
        var blog = await db.Blogs.AsNoTracking().Active().FirstOrDefaultAsync(b => b.Id == id, cancellationToken)
                   ?? throw ApiException.NotFound(NotFound(id));
        var author = await authors.FindAsync(blog.AuthorId, cancellationToken) ?? throw ApiException.NotFound(NotFound(id));
        return ApiResults.Success("success", blog.ToPrivate(author));
    }

    private static async Task<IResult> PublishAsync(
        [AsParameters] BlogIdRoute route, ClaimsPrincipal principal, BlogDbContext db, BlogCache cache, TimeProvider time, CancellationToken cancellationToken)
    {
        var id = route.Value();
        var editorId = AuthorProfiles.FromPrincipal(principal).Id;
        var now = time.Timestamp();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var published = await db.ApplyAsync($"""
            UPDATE blogs
            SET published = true, drafted = false, submitted = false, text = draft_text,
                published_at = COALESCE(published_at, {now}), updated_by = {editorId}, updated_at = {now}
            WHERE id = {id.ToByteArray()} AND status AND submitted AND NOT published
            RETURNING slug AS "Slug", published AS "Published"
            """, cancellationToken);
        if (published is null)
        {
            var state = await db.Blogs.AsNoTracking().Where(b => b.Id == id && b.Status)
                            .Select(b => new { b.Published }).FirstOrDefaultAsync(cancellationToken)
                        ?? throw ApiException.NotFound(BlogMissing(id));
            throw ApiException.BadRequest(state.Published ? AlreadyPublished(id) : NotSubmitted(id));
        }
        await db.CommitWithAsync(BlogViewChange.Of(id, [published.Slug], publicListsAffected: true), cache, cancellationToken);
        return ApiResults.Success("blog published successfully");
    }

    private static async Task<IResult> UnpublishAsync(
        [AsParameters] BlogIdRoute route, ClaimsPrincipal principal, BlogDbContext db, BlogCache cache, TimeProvider time, CancellationToken cancellationToken)
    {
        var id = route.Value();
        var editorId = AuthorProfiles.FromPrincipal(principal).Id;
        var now = time.Timestamp();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var unpublished = await db.ApplyAsync($"""
            UPDATE blogs
            SET published = false, drafted = true, submitted = false, updated_by = {editorId}, updated_at = {now}
            WHERE id = {id.ToByteArray()} AND status AND published
            RETURNING slug AS "Slug", published AS "Published"
            """, cancellationToken);
        if (unpublished is null)
        {
            var exists = await db.Blogs.AnyAsync(b => b.Id == id && b.Status, cancellationToken);
            throw exists ? ApiException.BadRequest(NotPublished(id)) : ApiException.NotFound(BlogMissing(id));
        }
        await db.CommitWithAsync(BlogViewChange.Of(id, [unpublished.Slug], publicListsAffected: true), cache, cancellationToken);
        return ApiResults.Success("blog unpublished successfully");
    }
}
