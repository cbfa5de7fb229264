namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>A service of a compose file, with the parts the deployment rules check.</summary>
internal sealed record ComposeService(
    string Name,
    string? Image,
    string? BuildDockerfile,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> DependsOn,
    string? Restart,
    bool HasHealthcheck,
    bool HealthcheckDisabled,
    bool HealthcheckHasTest)
{
    /// <summary>The Host's Dockerfile, relative to the repository root.</summary>
    public const string HostDockerfile = "src/Host/Dockerfile";

    /// <summary>True for a container of the GoMicro.NET Host image (any role, or an admin command).</summary>
    public bool RunsTheHost => BuildDockerfile is not null && BuildDockerfile.Replace('\\', '/').EndsWith(HostDockerfile, StringComparison.Ordinal);

    /// <summary>The role the container runs, from <c>GoMicro__Role</c>; null when not set.</summary>
    public string? Role => Environment.TryGetValue("GoMicro__Role", out var role) ? role : null;
}

/// <summary>The services of a docker compose file, after merge keys are applied.</summary>
internal sealed record ComposeFile(IReadOnlyDictionary<string, ComposeService> Services)
{
    public static ComposeFile Load(string relativePath) => Parse(RepositoryFiles.ReadText(relativePath));

    public static ComposeFile Parse(string yaml)
    {
        var root = Yaml.ParseMapping(yaml);
        var services = Yaml.Mapping(root.Get("services")) ?? new Dictionary<string, object?>();
        return new ComposeFile(services.ToDictionary(s => s.Key, s => ParseService(s.Key, Yaml.Mapping(s.Value))));
    }

    private static ComposeService ParseService(string name, IReadOnlyDictionary<string, object?>? service)
    {
        var build = service.Get("build");
        var dockerfile = Yaml.Mapping(build) is { } buildMap ? Yaml.Scalar(buildMap.Get("dockerfile")) ?? "Dockerfile" : null;
        var healthcheck = Yaml.Mapping(service.Get("healthcheck"));
        return new ComposeService(
            name,
            Yaml.Scalar(service.Get("image")),
            dockerfile,
            Yaml.Scalar(service.Get("command")) is { } shellCommand
                ? shellCommand.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                : Yaml.Sequence(service.Get("command")).Select(Yaml.Scalar).OfType<string>().ToList(),
            ParseEnvironment(service.Get("environment")),
            ParseDependsOn(service.Get("depends_on")),
            Yaml.Scalar(service.Get("restart")),
            healthcheck is not null,
            string.Equals(Yaml.Scalar(healthcheck.Get("disable")), "true", StringComparison.OrdinalIgnoreCase),
            Yaml.Sequence(healthcheck.Get("test")).Count > 0 || Yaml.Scalar(healthcheck.Get("test")) is { Length: > 0 });
    }

    /// <summary>Compose accepts <c>KEY: value</c> mappings and <c>- KEY=value</c> lists.</summary>
    private static Dictionary<string, string> ParseEnvironment(object? node)
    {
        if (Yaml.Mapping(node) is { } map)
            return map.ToDictionary(e => e.Key, e => Yaml.Scalar(e.Value) ?? "");
        return Yaml.Sequence(node)
            .Select(Yaml.Scalar)
            .OfType<string>()
            .Select(entry => entry.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts.Length > 1 ? parts[1] : "");
    }

    /// <summary>Compose accepts a list of names (meaning <c>service_started</c>) or a mapping with conditions.</summary>
    private static Dictionary<string, string> ParseDependsOn(object? node)
    {
        if (Yaml.Mapping(node) is { } map)
            return map.ToDictionary(e => e.Key, e => Yaml.Scalar(Yaml.Mapping(e.Value).Get("condition")) ?? "service_started");
        return Yaml.Sequence(node).Select(Yaml.Scalar).OfType<string>().ToDictionary(n => n, _ => "service_started");
    }
}
