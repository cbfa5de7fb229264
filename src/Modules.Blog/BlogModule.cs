using GoMicro.Shared.Bus;
using GoMicro.Shared.Web.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using GoMicro.Shared.Web.Modularity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GoMicro.Modules.Blog;

/// <summary>The Blog module: blogs, their author/editor workflow and public reads, under <c>/blog</c>.</summary>
public sealed class BlogModule : IModule
{
    /// <inheritdoc />
    public string Name => "blog";

    /// <inheritdoc />
    public string RoutePrefix => "/blog";

    /// <inheritdoc />
    public IReadOnlyCollection<string> CalledSubjects => [];

    /// <inheritdoc />
    public void AddServices(IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
    }

    /// <inheritdoc />
    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        var blog = endpoints.MapGroup(RoutePrefix).WithTags("Blog");
        blog.MapModuleHealth();
    }

    /// <inheritdoc />
    public void MapBusHandlers(IBusHandlerRegistry bus)
    {
    }
}
