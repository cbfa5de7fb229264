using System.Linq.Expressions;
using System.Security.Claims;
using GoMicro.Modules.Blog.AuthorLookup;
using GoMicro.Modules.Blog.Model;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Modules.Blog.Requests;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Blog.Lists;

/// <summary><c>GET /blog/author/drafts</c>, <c>/submitted</c> and <c>/published</c>: the author's own active blogs in that state.</summary>
internal static class AuthorListEndpoints
{
    public static void Map(IEndpointRouteBuilder author)
    {
        MapList(author, "/drafts", "Your blogs being written", BlogQueries.IsDrafted);
        MapList(author, "/submitted", "Your blogs waiting for an editor", BlogQueries.IsSubmitted);
        MapList(author, "/published", "Your published blogs", BlogQueries.IsPublished);
    }

    private static void MapList(IEndpointRouteBuilder author, string path, string summary, Expression<Func<BlogPost, bool>> state)
    {
        var ownedPage = BlogQueries.CompileOwnedPage(state);
        author.MapGet(path, async ([AsParameters] PageQuery page, ClaimsPrincipal principal, BlogDbContext db, CancellationToken cancellationToken) =>
            {
                var authorId = AuthorProfiles.FromPrincipal(principal).Id;
                var blogs = await ownedPage(db, authorId, page.Skip(), page.Take()).ToListAsync(cancellationToken);
                return ApiResults.Success("success", blogs);
            })
            .Documented<ItemBlog[]>(summary);
    }
}
