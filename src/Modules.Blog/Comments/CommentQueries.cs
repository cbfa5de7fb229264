using GoMicro.Modules.Blog.Persistence;
using Microsoft.EntityFrameworkCore;
using MongoDB.Bson;

namespace GoMicro.Modules.Blog.Comments;

/// <summary>
/// The two comment lists as compiled queries (as the blog lists are, ADR 26), each in the order of its index
/// (<see cref="CommentModel"/>) with the id last, so pages never overlap. Compiled when the endpoints are mapped: a
/// compiled query is bound to the model of the host it first runs in.
/// </summary>
internal static class CommentQueries
{
    /// <summary>One page of blog <c>blogId</c>'s comments that are not deleted, oldest first: <c>(db, blogId, skip, take)</c>.</summary>
    public static Func<BlogDbContext, ObjectId, int, int, IAsyncEnumerable<CommentRow>> CompileBlogPage() =>
        EF.CompileAsyncQuery((BlogDbContext db, ObjectId blogId, int skip, int take) =>
            db.Comments.AsNoTracking()
                .Where(c => c.BlogId == blogId && c.Status)
                .OrderBy(c => c.CreatedAt).ThenBy(c => c.Id)
                .Skip(skip).Take(take)
                .Select(CommentRow.Select));

    /// <summary>One page of a writer's comments that are not deleted, newest first: <c>(db, authorId, skip, take)</c>.</summary>
    public static Func<BlogDbContext, Guid, int, int, IAsyncEnumerable<CommentRow>> CompileWriterPage() =>
        EF.CompileAsyncQuery((BlogDbContext db, Guid authorId, int skip, int take) =>
            db.Comments.AsNoTracking()
                .Where(c => c.AuthorId == authorId && c.Status)
                .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id)
                .Skip(skip).Take(take)
                .Select(CommentRow.Select));
}
