using System.Linq.Expressions;
using GoMicro.Modules.Blog.Model;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Modules.Blog.Requests;
using GoMicro.Shared.Web.Envelope;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace GoMicro.Modules.Blog.Lists;

/// <summary><c>GET /blog/editor/submitted</c> and <c>/published</c>: every author's active blogs in that state, for the
/// editors (the group requires the EDITOR role).</summary>
internal static class EditorListEndpoints
{
    public static void Map(IEndpointRouteBuilder editor)
    {
        MapList(editor, "/submitted", "Blogs waiting for an editor", BlogQueries.IsSubmitted);
        MapList(editor, "/published", "Published blogs", BlogQueries.IsPublished);
    }

    private static void MapList(IEndpointRouteBuilder editor, string path, string summary, Expression<Func<BlogPost, bool>> state)
    {
        var activePage = BlogQueries.CompileActivePage(state);
        editor.MapGet(path, async ([AsParameters] PageQuery page, BlogDbContext db, CancellationToken cancellationToken) =>
                ApiResults.Success("success", await activePage(db, page.Skip(), page.Take()).ToListAsync(cancellationToken)))
            .Documented<ItemBlog[]>(summary);
    }
}
