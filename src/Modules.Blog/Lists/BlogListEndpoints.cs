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

/// <summary>The public lists under <c>/blog/list</c>: latest and by tag (their first pages cached for
/// <see cref="BlogCacheOptions.ListPageDuration"/>), and similar (cached for <see cref="BlogCacheOptions.SimilarBlogsDuration"/>).</summary>
internal static class BlogListEndpoints
{
    public static void Map(IEndpointRouteBuilder list)
    {
        var latestPage = BlogQueries.CompileActivePage(BlogQueries.IsPublished);
        list.MapGet("/latest", async ([AsParameters] PageQuery page, BlogDbContext db, BlogCache cache, CancellationToken cancellationToken) =>
            {
                var take = page.Take();
                if (page.Skip() > 0) return ApiResults.Success("success", await latestPage(db, page.Skip(), take).ToListAsync(cancellationToken));
                return Page(await cache.GetLatestFirstPageAsync(take, ct => NonEmptyAsync(latestPage(db, 0, take), ct), cancellationToken));
            })
            .Documented<ItemBlog[]>("Published blogs, most recently changed first (first pages cached)");
        var taggedPage = BlogQueries.CompileTaggedPage();
        list.MapGet("/tag/{tag}", async ([AsParameters] BlogTagRoute route, [AsParameters] PageQuery page, BlogDbContext db, BlogCache cache, CancellationToken cancellationToken) =>
            {
                var take = page.Take();
                string[] tags = [route.Tag!];
                if (page.Skip() > 0) return ApiResults.Success("success", await taggedPage(db, tags, page.Skip(), take).ToListAsync(cancellationToken));
                return Page(await cache.GetTaggedFirstPageAsync(route.Tag!, take, ct => NonEmptyAsync(taggedPage(db, tags, 0, take), ct), cancellationToken));
            })
            .Documented<ItemBlog[]>("Published blogs with a tag (upper case), most recently changed first (first pages cached)");
        list.MapGet("/similar/id/{id}", SimilarAsync)
            .Documented<ItemBlog[]>("Up to 6 published blogs most similar to a published blog, by full-text relevance to its title", StatusCodes.Status404NotFound);
    }

    /// <summary>The page's items, or null when there are none (an empty page is not cached).</summary>
    private static async Task<ItemBlog[]?> NonEmptyAsync(IAsyncEnumerable<ItemBlog> page, CancellationToken cancellationToken)
    {
        var items = await page.ToArrayAsync(cancellationToken);
        return items.Length == 0 ? null : items;
    }

    private static IResult Page(RenderedJson? cached) =>
        cached is null ? ApiResults.Success("success", Array.Empty<ItemBlog>()) : ApiResults.Success("success", cached);

    private static async Task<IResult> SimilarAsync([AsParameters] BlogIdRoute route, BlogDbContext db, BlogCache cache, CancellationToken cancellationToken)
    {
        var id = route.Value();
        var blogs = await cache.GetSimilarAsync(id, ct => SimilarBlogs.FindAsync(db, id, ct), cancellationToken)
                    ?? throw ApiException.NotFound(PublicBlogEndpoints.BlogNotFound);
        return ApiResults.Success("success", blogs);
    }
}
