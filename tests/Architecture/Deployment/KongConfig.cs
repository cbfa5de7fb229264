namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>A route of a Kong service.</summary>
internal sealed record KongRoute(string Name, IReadOnlyList<string> Paths, bool StripPath);

/// <summary>A Kong service: where it proxies to, and its routes.</summary>
internal sealed record KongService(string Name, Uri Url, IReadOnlyList<KongRoute> Routes);

/// <summary>A Kong upstream: its targets (<c>host:port</c>), balancing algorithm and active health-check path.</summary>
internal sealed record KongUpstream(IReadOnlyList<string> Targets, string Algorithm, string? ActiveHealthPath);

/// <summary>A plugin entry with its configuration, as untyped YAML.</summary>
internal sealed record KongPlugin(string Name, IReadOnlyDictionary<string, object?> Config)
{
    public IReadOnlyList<string> Strings(string field) => Yaml.Sequence(Config.Get(field)).Select(Yaml.Scalar).OfType<string>().ToList();
}

/// <summary>A Kong declarative (DB-less) configuration.</summary>
internal sealed record KongConfig(
    string? FormatVersion,
    IReadOnlyList<KongService> Services,
    IReadOnlyDictionary<string, KongUpstream> Upstreams,
    IReadOnlyList<KongPlugin> Plugins)
{
    public IReadOnlyDictionary<string, IReadOnlyList<string>> UpstreamTargets =>
        Upstreams.ToDictionary(u => u.Key, u => u.Value.Targets);

    public static KongConfig Load(string relativePath) => Parse(RepositoryFiles.ReadText(relativePath));

    public static KongConfig Parse(string yaml)
    {
        var root = Yaml.ParseMapping(yaml);
        var services = Yaml.Sequence(root.Get("services")).Select(Yaml.Mapping).OfType<IReadOnlyDictionary<string, object?>>()
            .Select(ParseService).ToList();
        var upstreams = Yaml.Sequence(root.Get("upstreams")).Select(Yaml.Mapping).OfType<IReadOnlyDictionary<string, object?>>()
            .ToDictionary(
                u => Yaml.Scalar(u.Get("name")) ?? "",
                u => new KongUpstream(
                    Yaml.Sequence(u.Get("targets")).Select(t => Yaml.Scalar(Yaml.Mapping(t).Get("target"))).OfType<string>().ToList(),
                    // Kong's default algorithm.
                    Yaml.Scalar(u.Get("algorithm")) ?? "round-robin",
                    Yaml.Scalar(Yaml.Mapping(Yaml.Mapping(u.Get("healthchecks")).Get("active")).Get("http_path"))));
        // Plugins may be global or nested in a service or route; all of them count.
        var plugins = new List<KongPlugin>();
        CollectPlugins(root, plugins);
        return new KongConfig(Yaml.Scalar(root.Get("_format_version")), services, upstreams, plugins);
    }

    private static KongService ParseService(IReadOnlyDictionary<string, object?> service)
    {
        var name = Yaml.Scalar(service.Get("name")) ?? "";
        var url = Yaml.Scalar(service.Get("url")) is { } text
            ? new Uri(text)
            : new UriBuilder(Yaml.Scalar(service.Get("protocol")) ?? "http", Yaml.Scalar(service.Get("host")) ?? "",
                int.TryParse(Yaml.Scalar(service.Get("port")), out var port) ? port : 80).Uri;
        var routes = Yaml.Sequence(service.Get("routes")).Select(Yaml.Mapping).OfType<IReadOnlyDictionary<string, object?>>()
            .Select(r => new KongRoute(
                Yaml.Scalar(r.Get("name")) ?? "",
                Yaml.Sequence(r.Get("paths")).Select(Yaml.Scalar).OfType<string>().ToList(),
                // Kong's default is to strip the matched prefix.
                !string.Equals(Yaml.Scalar(r.Get("strip_path")), "false", StringComparison.OrdinalIgnoreCase)))
            .ToList();
        return new KongService(name, url, routes);
    }

    private static void CollectPlugins(object? node, List<KongPlugin> plugins)
    {
        if (Yaml.Mapping(node) is { } map)
        {
            foreach (var plugin in Yaml.Sequence(map.Get("plugins")).Select(Yaml.Mapping).OfType<IReadOnlyDictionary<string, object?>>())
                plugins.Add(new KongPlugin(Yaml.Scalar(plugin.Get("name")) ?? "", Yaml.Mapping(plugin.Get("config")) ?? new Dictionary<string, object?>()));
            foreach (var (key, value) in map)
                if (key is "services" or "routes") CollectPlugins(value, plugins);
        }
        else
        {
            foreach (var item in Yaml.Sequence(node)) CollectPlugins(item, plugins);
        }
    }
}
