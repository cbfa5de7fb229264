using System.Net;
using GoMicro.Host.Modules;
using GoMicro.Integration.Tests.Infrastructure;
using GoMicro.Shared.Bus;
using GoMicro.Shared.Contracts.Auth;
using GoMicro.Shared.Modularity;
using Microsoft.Extensions.DependencyInjection;

namespace GoMicro.Integration.Tests.Modules;

/// <summary>The monolith with <c>GoMicro:ModuleMap</c> on, as a production operator would turn it on.</summary>
public sealed class ModuleMapTopology : MonolithTopology
{
    /// <inheritdoc />
    protected override void Configure(Dictionary<string, string?> settings) => settings[ModuleMapEndpoint.EnabledKey] = "true";
}

/// <summary>
/// <c>GET /modules</c> lists what the process really runs (checked against the live handler registry and routes), is off
/// outside Development unless turned on, and docs/modules.md is exactly its rendering.
/// </summary>
public sealed class ModuleMapTests(ModuleMapTopology mapped, MonolithTopology plain)
    : IClassFixture<ModuleMapTopology>, IClassFixture<MonolithTopology>
{
    private async Task<ModuleMap> MapAsync()
    {
        var envelope = await mapped.Blog.GetEnvelopeAsync(ModuleMapEndpoint.Path);
        Assert.Equal(HttpStatusCode.OK, envelope.HttpStatus);
        return envelope.DataAs<ModuleMap>();
    }

    [Fact]
    public async Task The_map_lists_the_role_its_modules_their_routes_and_bus_traffic()
    {
        var map = await MapAsync();

        Assert.Equal("monolith", map.Role);
        Assert.Equal(["auth", "blog"], map.Modules.Select(m => m.Name));
        var auth = map.Modules[0];
        var blog = map.Modules[1];
        Assert.Equal("/auth", auth.RoutePrefix);
        Assert.Contains("POST /auth/signin/basic", auth.Routes);
        Assert.All(auth.Routes, r => Assert.Contains(" /auth/", r));
        Assert.All(blog.Routes, r => Assert.Contains(" /blog", r));
        Assert.Contains(AuthSubjects.Authentication, auth.Bus.Serves);
        Assert.Equal([AuthEvents.ApiKeyChanged, AuthEvents.SessionEnded, AuthEvents.UserChanged], auth.Bus.Publishes);
        Assert.Equal([AuthSubjects.ProfileUser], blog.Bus.Calls);
        Assert.Contains(AuthEvents.UserChanged, blog.Bus.Consumes);
        Assert.Contains(AuthSubjects.Authentication, map.AuthClient.Calls);
        Assert.Contains(AuthEvents.ApiKeyChanged, map.AuthClient.Consumes);
    }

    [Fact]
    public async Task The_served_subjects_and_consumed_events_are_those_the_process_really_serves()
    {
        var map = await MapAsync();
        var registry = mapped.BlogHost.Services.GetRequiredService<BusHandlerRegistry>();

        Assert.Equal(registry.RequestEndpoints.Select(e => e.Subject).Order(StringComparer.Ordinal),
            map.Modules.SelectMany(m => m.Bus.Serves).Order(StringComparer.Ordinal));
        Assert.Equal(registry.EventEndpoints.Keys.Order(StringComparer.Ordinal),
            map.Modules.SelectMany(m => m.Bus.Consumes).Concat(map.AuthClient.Consumes).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Outside_development_the_map_is_not_served_unless_turned_on()
    {
        // The test hosts run in the Testing environment, as production does: no setting, no route.
        var envelope = await plain.Blog.GetEnvelopeAsync(ModuleMapEndpoint.Path);
        Assert.Equal(HttpStatusCode.NotFound, envelope.HttpStatus);
    }

    [Fact]
    public async Task The_map_takes_an_api_key_like_any_api_route()
    {
        var envelope = await mapped.Blog.SendAsync(HttpMethod.Get, ModuleMapEndpoint.Path, apiKey: null);
        Assert.Equal(HttpStatusCode.Unauthorized, envelope.HttpStatus);
    }

    [Fact]
    public async Task Docs_modules_md_is_the_rendering_of_the_monoliths_map()
    {
        var expected = ModuleMapMarkdown.Render(await MapAsync());
        var path = Path.Combine(RepositoryRoot(), "docs", "modules.md");
        if (Environment.GetEnvironmentVariable("GOMICRO_WRITE_DOCS") == "1") await File.WriteAllTextAsync(path, expected);
        Assert.True(File.Exists(path), $"{path} is missing: run this test with GOMICRO_WRITE_DOCS=1 to write it");
        Assert.True(expected == (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n"),
            "docs/modules.md is stale: run the ModuleMapTests with GOMICRO_WRITE_DOCS=1 and commit the file");
    }

    internal static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GoMicro.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("GoMicro.sln not found above the test binaries");
    }
}
