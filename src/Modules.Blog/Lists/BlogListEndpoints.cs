using GoMicro.Modules.Blog.Caching;
using GoMicro.Modules.Blog.Model;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Modules.Blog.Public;
using GoMicro.Modules.Blog.Requests;
using GoMicro.Shared.Web.Envelope;
using GoMicro.Shared.Web.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Blog.Lists;

/// <summary>The public lists under <c>/blog/list</c>: latest, by tag, and similar (cached for <see cref="BlogCacheOptions.SimilarBlogsDuration"/>).</summary>
internal static class BlogListEndpoints
{
    public static void Map(IEndpointRouteBuilder list)
    {
        var latestPage = BlogQueries.CompileActivePage(BlogQueries.IsPublished);
        list.MapGet("/latest", async ([AsParameters] PageQuery page, BlogDbContext db, CancellationToken cancellationToken) =>
                ApiResults.Success("success", await latestPage(db, page.Skip(), page.Take()).ToListAsync(cancellationToken)))
            .Documented<ItemBlog[]>("Published blogs, most recently changed first");
        var taggedPage = BlogQueries.CompileTaggedPage();
        list.MapGet("/tag/{tag}", async ([AsParameters] BlogTagRoute route, [AsParameters] PageQuery page, BlogDbContext db, CancellationToken cancellationToken) =>
                ApiResults.Success("success", await taggedPage(db, [route.Tag!], page.Skip(), page.Take()).ToListAsync(cancellationToken)))
            .Documented<ItemBlog[]>("Published blogs with a tag (upper case), most recently changed first");
        list.MapGet("/similar/id/{id}", SimilarAsync)
            .Documented<ItemBlog[]>("Up to 6 published blogs most similar to a published blog, by full-text relevance to its title", StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> SimilarAsync([AsParameters] BlogIdRoute route, BlogDbContext db, BlogCache cache, CancellationToken cancellationToken)
    {
        var id = route.Value();
        var blogs = await cache.GetSimilarAsync(id, ct => SimilarBlogs.FindAsync(db, id, ct), cancellationToken)
                    ?? throw ApiException.NotFound(PublicBlogEndpoints.BlogNotFound);
        return ApiResults.Success("success", blogs);
    }
}
