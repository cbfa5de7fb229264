using GoMicro.Modules.Blog.Author;
using GoMicro.Modules.Blog.AuthorLookup;
using GoMicro.Modules.Blog.Caching;
using GoMicro.Modules.Blog.Caching.Redis;
using GoMicro.Modules.Blog.Comments;
using GoMicro.Modules.Blog.Editor;
using GoMicro.Modules.Blog.Import;
using GoMicro.Modules.Blog.Lists;
using GoMicro.Modules.Blog.Persistence;
using GoMicro.Modules.Blog.Public;
using GoMicro.Modules.Blog.Requests;
using GoMicro.Shared.AuthClient.Authentication;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Modularity;
using GoMicro.Shared.Persistence;
using GoMicro.Shared.Persistence.Outbox;
using GoMicro.Shared.Web.Health;
using GoMicro.Shared.Web.OpenApi;
using GoMicro.Shared.Web.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GoMicro.Modules.Blog;

/// <summary>
/// The Blog module: blogs, their author → editor workflow, the public reads and comments on published blogs, under <c>/blog</c>, on its own
/// PostgreSQL database (<c>ConnectionStrings:Blog</c>), with public views cached in the process's
/// hybrid cache (memory, plus Redis and its backplane when <c>ConnectionStrings:Redis</c> is set; ADR 14).
/// It knows the Auth module only through the bus: authentication and roles through the shared policies, author
/// profiles through <see cref="AuthSubjects.ProfileUser"/>, and their changes through <see cref="AuthEvents.UserChanged"/>.
/// A change's cache invalidation is written to the Blog database's outbox in the change's transaction and applied by
/// the dispatcher of a running instance (<see cref="BlogViewChange"/>), so no crash between commit and cache loses it.
/// </summary>
public sealed class BlogModule : IModule
{
    /// <inheritdoc />
    public string Name => "blog";

    /// <inheritdoc />
    public string RoutePrefix => "/blog";

    /// <inheritdoc />
    public IReadOnlyCollection<string> CalledSubjects => [AuthSubjects.ProfileUser];

    /// <inheritdoc />
    /// <remarks>None on the bus: <see cref="CommentViewChange"/> goes through the outbox to this module's own handler.</remarks>
    public IReadOnlyCollection<string> PublishedEvents => [];

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException"><c>ConnectionStrings:Blog</c> is missing.</exception>
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        var connectionString = configuration.GetConnectionString("Blog");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException("ConnectionStrings:Blog (environment ConnectionStrings__Blog) must be set for the blog module.");
        // Prepared statements: the same few list and read queries run on every request (see PostgresConnectionStrings).
        connectionString = PostgresConnectionStrings.WithDefaults(connectionString);

        services.AddDbContextPool<BlogDbContext>(options => BlogDbContext.Configure(options, connectionString));
        services.AddHealthChecks().AddDbContextCheck<BlogDbContext>("blog-database", tags: [HealthEndpoints.ReadyTag]);

        services.AddCoherentCache(configuration, HealthEndpoints.ReadyTag);
        services.AddOptions<BlogCacheOptions>().Bind(configuration.GetSection(BlogCacheOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BlogCache>();
        services.AddOutbox<BlogDbContext>(configuration);
        services.AddOutboxHandler<BlogViewChange>(BlogViewChange.Subject,
            (change, provider, ct) => provider.GetRequiredService<BlogCache>().ApplyDeliveredAsync(change, ct));
        services.AddOutboxHandler<CommentViewChange>(CommentViewChange.Subject,
            (change, provider, ct) => provider.GetRequiredService<BlogCache>().ApplyDeliveredCommentsAsync(change, ct));
        services.AddSingleton<CommentRateLimit>();
        services.AddSingleton<AuthorProfiles>();
        services.AddSingleton<IModuleDatabase, BlogDatabase>();
        services.AddScoped<IAdminCommand, ImportBlogsCommand>();
        services.Configure<OpenApiOptions>(ApiDocument.Name, o => o.AddSchemaTransformer(BlogIds.DescribeObjectIds));
    }

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var blog = endpoints.MapGroup(RoutePrefix).WithTags("Blog").WithRequestValidation();
        blog.MapModuleHealth();
        PublicBlogEndpoints.Map(blog);
        BlogListEndpoints.Map(blog.MapGroup("/list"));

        var author = blog.MapGroup("/author").RequireRole(RoleCodes.Author).WithTags("Blog: author");
        AuthorBlogEndpoints.Map(author);
        AuthorListEndpoints.Map(author);

        var editor = blog.MapGroup("/editor").RequireRole(RoleCodes.Editor).WithTags("Blog: editor");
        EditorEndpoints.Map(editor);
        EditorListEndpoints.Map(editor);

        CommentEndpoints.Map(blog.MapGroup("/comment").RequireBearer().WithTags("Blog: comments"),
            blog.MapGroup("/comments").WithTags("Blog: comments"));
    }

    /// <inheritdoc />
    /// <remarks>Any change of a user evicts the public views that embed them as an author or a comment writer, as the
    /// event's contract asks (a new name or picture; a deactivated user, whose blogs answer 404 and whose comments leave
    /// the lists; an activated one, whose comments come back).
    /// The shared level (Redis, and the backplane message to the other instances' memory) is evicted once for the service,
    /// by the durable consumer named after the module, so an event published while no blog instance ran is applied when
    /// one starts; each instance's own memory is evicted by the plain subscription every instance has, which needs no
    /// Redis (ADR 32).</remarks>
    public void MapBusHandlers(IBusHandlerRegistry bus)
    {
        // A change of state can decide whether an author's blogs are listed; list pages embed no profile and no roles.
        // Any other value, known or not, is treated as such a change, as the event's contract asks.
        static bool MayAlterLists(UserChanged changed) => changed.Change is not (UserChanges.Profile or UserChanges.Roles);
        bus.MapServiceEvent<UserChanged>(AuthEvents.Stream, Name, AuthEvents.UserChanged, async (changed, context) =>
        {
            var cache = context.Services.GetRequiredService<BlogCache>();
            await cache.ForgetAuthorAsync(changed.UserId, context.CancellationToken);
            if (MayAlterLists(changed)) await cache.ForgetListsAsync(context.CancellationToken);
        });
        bus.MapEvent<UserChanged>(AuthEvents.UserChanged, async (changed, context) =>
        {
            var cache = context.Services.GetRequiredService<BlogCache>();
            await cache.ForgetAuthorHereAsync(changed.UserId, context.CancellationToken);
            if (MayAlterLists(changed)) await cache.ForgetListsHereAsync(context.CancellationToken);
        });
    }
}
