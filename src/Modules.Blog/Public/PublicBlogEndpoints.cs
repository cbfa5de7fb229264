using System.Linq.Expressions;
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
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Modules.Blog.Public;

/// <summary><c>GET /blog/id/{id}</c> and <c>GET /blog/slug/{slug}</c>: a published blog, cached for <see cref="BlogCacheOptions.PublicBlogDuration"/>.</summary>
internal static class PublicBlogEndpoints
{
    public const string BlogNotFound = "blog not found";
    /// <summary>The Auth module no longer knows the blog's author; the reference answers 404 with this text.</summary>
    public const string AuthorNotFound = "author not found";

    public static void Map(IEndpointRouteBuilder blog)
    {
        blog.MapGet("/id/{id}", GetByIdAsync)
            .Documented<PublicBlog>("A published blog by id", StatusCodes.Status404NotFound);
        blog.MapGet("/slug/{slug}", GetBySlugAsync)
            .Documented<PublicBlog>("A published blog by slug", StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> GetByIdAsync(
        [AsParameters] BlogIdRoute route, HttpContext http, AuthorProfiles authors, BlogCache cache, CancellationToken cancellationToken)
    {
        var id = route.Value();
        var blog = await cache.GetPublicByIdAsync(id, ct => LoadAsync(http.RequestServices, authors, b => b.Id == id, ct), cancellationToken)
                   ?? throw ApiException.NotFound(BlogNotFound);
        return ApiResults.Success("success", blog);
    }

    private static async Task<IResult> GetBySlugAsync(
        [AsParameters] BlogSlugRoute route, HttpContext http, AuthorProfiles authors, BlogCache cache, CancellationToken cancellationToken)
    {
        var slug = route.Slug!;
        var blog = await cache.GetPublicBySlugAsync(slug, ct => LoadAsync(http.RequestServices, authors, b => b.Slug == slug, ct), cancellationToken)
                   ?? throw ApiException.NotFound(BlogNotFound);
        return ApiResults.Success("success", blog);
    }

    /// <summary>The published, active blog matching <paramref name="match"/> with its author, or null when there is none.</summary>
    /// <remarks>The DbContext is leased from its pool here, on a cache miss, not by the endpoint's parameters: a hit (the
    /// common case) then costs no lease and no reset of a context it never uses.</remarks>
    private static async Task<PublicBlog?> LoadAsync(
        IServiceProvider services, AuthorProfiles authors, Expression<Func<BlogPost, bool>> match, CancellationToken cancellationToken)
    {
        var db = services.GetRequiredService<BlogDbContext>();
        var blog = await db.Blogs.AsNoTracking().PubliclyVisible().Where(match).FirstOrDefaultAsync(cancellationToken);
        if (blog is null) return null;
        var author = await authors.FindAsync(blog.AuthorId, cancellationToken) ?? throw ApiException.NotFound(AuthorNotFound);
        return blog.ToPublic(author);
    }
}
