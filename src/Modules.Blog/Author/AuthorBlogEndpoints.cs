using System.Security.Claims;
using GoMicro.Modules.Blog.AuthorLookup;
using GoMicro.Modules.Blog.Caching;
using GoMicro.Modules.Blog.Model;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Modules.Blog.Requests;
using GoMicro.Shared.Persistence;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using GoMicro.Shared.Web.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Author;

/// <summary>
/// An author's own blogs under <c>/blog/author</c> (the group requires the AUTHOR role): create, update, read, delete,
/// submit to the editors and withdraw. An author sees and changes only their own, active blogs.
/// </summary>
internal static class AuthorBlogEndpoints
{
    public const string BlogNotFound = "blog not found";

    public static string SlugTaken(string slug) => $"Blog with slug: {slug} already exists";
    public static string NotFound(ObjectId id) => $"{id} not found";
    public static string UpdateTargetMissing(ObjectId id) => $"Blog with id: {id} does not exists";
    /// <summary>The slug is checked again once normalised: removing spaces and <c>?</c> can make it too short.</summary>
    public static readonly string SlugTooShort = ValidationMessages.MinLength("slug", 3);

    public static void Map(IEndpointRouteBuilder author)
    {
        author.MapPost("/", CreateAsync)
            .Documented<PrivateBlog>("Create a blog (drafted, not submitted)", StatusCodes.Status400BadRequest);
        author.MapPut("/", UpdateAsync)
            .Documented<PrivateBlog>("Change fields of one of your blogs", StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        author.MapGet("/id/{id}", GetAsync)
            .Documented<PrivateBlog>("One of your blogs", StatusCodes.Status404NotFound);
        author.MapDelete("/id/{id}", DeleteAsync)
            .Documented("Delete one of your blogs (it disappears from every public view)", StatusCodes.Status404NotFound);
        author.MapPut("/submit/id/{id}", (HttpContext context, [AsParameters] BlogIdRoute route, BlogDbContext db, TimeProvider time, CancellationToken ct) =>
                SetSubmittedAsync(context.User, route.Value(), true, db, time, ct))
            .Documented("Submit one of your blogs to the editors", StatusCodes.Status404NotFound);
        author.MapPut("/withdraw/id/{id}", (HttpContext context, [AsParameters] BlogIdRoute route, BlogDbContext db, TimeProvider time, CancellationToken ct) =>
                SetSubmittedAsync(context.User, route.Value(), false, db, time, ct))
            .Documented("Withdraw a submitted blog", StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> CreateAsync(
        CreateBlogRequest body, ClaimsPrincipal principal, BlogDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var author = AuthorProfiles.FromPrincipal(principal);
        var slug = NormalizeSlug(body.Slug!);
        if (await db.Blogs.AnyAsync(b => b.Slug == slug, cancellationToken)) throw ApiException.BadRequest(SlugTaken(slug));

        var now = time.Timestamp();
        var blog = new BlogPost
        {
            Id = BlogIds.New(now),
            Title = body.Title!,
            Description = body.Description!,
            DraftText = body.DraftText!,
            Tags = body.Tags!,
            AuthorId = author.Id,
            ImgUrl = body.ImgUrl,
            Slug = slug,
            CreatedBy = author.Id,
            UpdatedBy = author.Id,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Blogs.Add(blog);
        await SaveUniqueSlugAsync(db, slug, cancellationToken);
        return ApiResults.Success("blog created successfully", blog.ToPrivate(author));
    }

    private static async Task<IResult> UpdateAsync(
        UpdateBlogRequest body, ClaimsPrincipal principal, BlogDbContext db, BlogCache cache, TimeProvider time, CancellationToken cancellationToken)
    {
        var author = AuthorProfiles.FromPrincipal(principal);
        var id = body.BlogId();
        var newSlug = body.Slug is null ? null : NormalizeSlug(body.Slug);

        // The row lock serialises concurrent changes of one blog, so the slug read here is the one this update replaces
        // (the cache must drop views under both), and the published flag cannot flip before the commit.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var blog = (await db.Blogs
                       .FromSql($"SELECT * FROM blogs WHERE id = {id.ToByteArray()} AND author_id = {author.Id} AND status FOR UPDATE")
                       .ToListAsync(cancellationToken)).SingleOrDefault()
                   ?? throw ApiException.NotFound(UpdateTargetMissing(id));
        var oldSlug = blog.Slug;
        if (newSlug is not null && newSlug != oldSlug)
        {
            if (await db.Blogs.AnyAsync(b => b.Slug == newSlug, cancellationToken)) throw ApiException.BadRequest(SlugTaken(newSlug));
            blog.Slug = newSlug;
        }
        if (body.Title is not null) blog.Title = body.Title;
        if (body.Description is not null) blog.Description = body.Description;
        if (body.DraftText is not null) blog.DraftText = body.DraftText;
        if (body.Tags is not null) blog.Tags = body.Tags;
        if (body.ImgUrl is not null) blog.ImgUrl = body.ImgUrl;
        blog.UpdatedBy = author.Id;
        blog.UpdatedAt = time.Timestamp();
        var change = BlogViewChange.Of(id, [oldSlug, blog.Slug], publicListsAffected: blog.Published);
        change.Record(db);
        await SaveUniqueSlugAsync(db, blog.Slug, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        await cache.InvalidateAsync(change);
        return ApiResults.Success("blog updated successfully", blog.ToPrivate(author));
    }

    private static async Task<IResult> GetAsync(
        [AsParameters] BlogIdRoute route, ClaimsPrincipal principal, BlogDbContext db, CancellationToken cancellationToken)
    {
        var author = AuthorProfiles.FromPrincipal(principal);
        var id = route.Value();
        var blog = await db.Blogs.AsNoTracking().OwnedBy(author.Id).FirstOrDefaultAsync(b => b.Id == id, cancellationToken)
                   ?? throw ApiException.NotFound(NotFound(id));
        return ApiResults.Success("success", blog.ToPrivate(author));
    }

    private static async Task<IResult> DeleteAsync(
        [AsParameters] BlogIdRoute route, ClaimsPrincipal principal, BlogDbContext db, BlogCache cache, TimeProvider time, CancellationToken cancellationToken)
    {
        var authorId = AuthorProfiles.FromPrincipal(principal).Id;
        var id = route.Value();
        var now = time.Timestamp();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await db.ApplyAsync($"""
            UPDATE blogs SET status = false, updated_by = {authorId}, updated_at = {now}
            WHERE id = {id.ToByteArray()} AND author_id = {authorId} AND status
            RETURNING slug AS "Slug", published AS "Published"
            """, cancellationToken) ?? throw ApiException.NotFound(BlogNotFound);
        await db.CommitWithAsync(BlogViewChange.Of(id, [deleted.Slug], deleted.Published), cache, cancellationToken);
        return ApiResults.Success("blog deleted successfully");
    }

    /// <summary>Submit or withdraw: one conditional update; no public view changes, so nothing is invalidated.</summary>
    private static async Task<IResult> SetSubmittedAsync(
        ClaimsPrincipal principal, ObjectId id, bool submitted, BlogDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var authorId = AuthorProfiles.FromPrincipal(principal).Id;
        var now = time.Timestamp();
        var changed = await db.Blogs
            .Where(b => b.Id == id && b.AuthorId == authorId && b.Status)
            .ExecuteUpdateAsync(s => s
                .SetProperty(b => b.Submitted, submitted)
                .SetProperty(b => b.UpdatedBy, authorId)
                .SetProperty(b => b.UpdatedAt, now), cancellationToken);
        if (changed == 0) throw ApiException.NotFound(BlogNotFound);
        return ApiResults.Success(submitted ? "blog submitted successfully" : "blog withdrawn successfully");
    }

    private static string NormalizeSlug(string slug)
    {
        var normalized = Slugs.Normalize(slug);
        return normalized.Length >= 3 ? normalized : throw ApiException.BadRequest(SlugTooShort);
    }

    /// <summary>Saves; the unique index decides between two concurrent claims of one slug, and the loser gets the 400.</summary>
    private static async Task SaveUniqueSlugAsync(BlogDbContext db, string slug, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation(BlogDbContext.SlugIndex))
        {
            throw ApiException.BadRequest(SlugTaken(slug));
        }
    }
}
