using System.Text.Json;
using System.Text.RegularExpressions;

namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>
/// Checks of the deployment files against each other and against the code. Each returns the problems it found, one
/// readable sentence each, so a test asserts an empty list on the real files and a canary asserts a non-empty one on
/// a deliberately broken input.
/// </summary>
internal static partial class DeploymentRules
{
    public const string ApiKeyPluginName = "apikey-auth";

    /// <summary>Every prefix needs a Kong route on exactly that path which keeps it (the Host serves the same paths in every role).</summary>
    public static IReadOnlyList<string> RoutePrefixesWithoutKongRoute(IEnumerable<string> routePrefixes, KongConfig kong)
    {
        var problems = new List<string>();
        var routes = kong.Services.SelectMany(s => s.Routes).ToList();
        foreach (var prefix in routePrefixes)
        {
            var matching = routes.Where(r => r.Paths.Contains(prefix)).ToList();
            if (matching.Count == 0)
                problems.Add($"no Kong route has the path {prefix}");
            problems.AddRange(matching.Where(r => r.StripPath).Select(r => $"Kong route {r.Name} strips {prefix}, but the Host serves paths with it"));
        }
        return problems;
    }

    /// <summary>Every Kong service and upstream target must be a Host container of the compose file, on the image's port.</summary>
    public static IReadOnlyList<string> KongTargetsOutsideCompose(KongConfig kong, ComposeFile compose, int hostPort)
    {
        var problems = new List<string>();
        foreach (var service in kong.Services)
        {
            var targets = kong.UpstreamTargets.TryGetValue(service.Url.Host, out var upstreamTargets)
                ? upstreamTargets
                : [$"{service.Url.Host}:{service.Url.Port}"];
            if (targets.Count == 0)
                problems.Add($"Kong service {service.Name} goes to upstream {service.Url.Host}, which has no target");
            foreach (var target in targets)
            {
                var (host, port) = SplitTarget(target);
                if (!compose.Services.TryGetValue(host, out var composeService) || !composeService.RunsTheHost)
                    problems.Add($"Kong service {service.Name} targets {target}, but {host} is no Host service of the compose file");
                if (port != hostPort)
                    problems.Add($"Kong service {service.Name} targets {target}, but the Host image listens on {hostPort}");
            }
        }
        return problems;
    }

    /// <summary>
    /// The API-key plugin must be configured, and its verification URLs must be exactly the compose file's services whose
    /// role runs the Auth module, at the Auth module's verification path and the image's port.
    /// </summary>
    public static IReadOnlyList<string> VerificationUrlsNotAtAuthServices(
        KongConfig kong, ComposeFile compose, int hostPort, string verifyPath, Func<string, bool> roleRunsAuth)
    {
        var plugins = kong.Plugins.Where(p => p.Name == ApiKeyPluginName).ToList();
        if (plugins.Count == 0)
            return [$"the {ApiKeyPluginName} plugin is not configured"];

        var problems = new List<string>();
        var authServices = compose.Services.Values
            .Where(s => s.RunsTheHost && s.Role is { } role && roleRunsAuth(role) && !s.Command.Any())
            .Select(s => s.Name)
            .ToHashSet();
        foreach (var plugin in plugins)
        {
            var urls = plugin.Strings("verification_urls");
            var verifiedAt = new HashSet<string>();
            foreach (var text in urls)
            {
                if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
                {
                    problems.Add($"verification URL {text} is not an absolute URL");
                    continue;
                }
                if (!authServices.Contains(url.Host))
                    problems.Add($"verification URL {text} names {url.Host}, which is no auth service of the compose file");
                if (url.Port != hostPort)
                    problems.Add($"verification URL {text} uses port {url.Port}, but the Host image listens on {hostPort}");
                if (url.AbsolutePath != verifyPath)
                    problems.Add($"verification URL {text} calls {url.AbsolutePath}, but the Auth module verifies keys at {verifyPath}");
                verifiedAt.Add(url.Host);
            }
            problems.AddRange(authServices.Except(verifiedAt).Order()
                .Select(s => $"auth service {s} is not among the verification URLs, so the plugin cannot fail over to it"));
        }
        return problems;
    }

    /// <summary>Only what the Host itself serves without a key (health endpoints, the JWKS) may pass Kong without one.</summary>
    public static IReadOnlyList<string> PublicPathsThatNeedAKey(KongConfig kong, IReadOnlySet<string> keylessPaths) =>
        kong.Plugins.Where(p => p.Name == ApiKeyPluginName)
            .SelectMany(p => p.Strings("public_paths"))
            .Where(path => !keylessPaths.Contains(path))
            .Select(path => $"the {ApiKeyPluginName} plugin lets {path} through without a key, but the Host requires one there")
            .ToList();

    /// <summary>Paths that clients must reach without a key through Kong (the JWKS: gateways and other services fetch it
    /// with no credentials) but that the key plugin does not list in <c>public_paths</c>.</summary>
    public static IReadOnlyList<string> KeylessPathsKongRefuses(KongConfig kong, IEnumerable<string> mustBePublic)
    {
        var plugins = kong.Plugins.Where(p => p.Name == ApiKeyPluginName).ToList();
        return mustBePublic
            .Where(path => plugins.Any(p => !p.Strings("public_paths").Contains(path)))
            .Select(path => $"the {ApiKeyPluginName} plugin asks a key for {path}, which the Host serves without one")
            .ToList();
    }

    /// <summary>
    /// The gateway role must route as Kong does (issue 15): the same services (a YARP cluster per Kong service, by name),
    /// each Kong route path as a YARP route <c>{path}/{**rest}</c> to that cluster with the same prefix handling (Kong's
    /// <c>strip_path</c>; YARP keeps the path unless a <c>Path*</c> transform changes it), no module route Kong lacks, the
    /// same API-key public paths, and, where Kong balances over an upstream, the same algorithm and health-check path.
    /// The gateway may add only routes under <see cref="GatewayOnlyPrefix"/>: the modules' OpenAPI documents behind its
    /// one Swagger UI, which Kong does not publish.
    /// </summary>
    public static IReadOnlyList<string> GatewayDifferences(KongConfig kong, GatewayConfig gateway)
    {
        var problems = new List<string>();
        var clusters = gateway.Clusters.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var services = kong.Services.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(services.Except(clusters).Select(s => $"Kong service {s} has no gateway cluster {s}"));
        problems.AddRange(clusters.Except(services).Select(c => $"gateway cluster {c} is no Kong service"));

        var matched = new HashSet<GatewayRoute>();
        foreach (var service in kong.Services)
        {
            foreach (var route in service.Routes)
            {
                foreach (var path in route.Paths)
                {
                    var twin = gateway.Routes.FirstOrDefault(g => g.Path == path.TrimEnd('/') + "/{**rest}");
                    if (twin is null)
                    {
                        problems.Add($"Kong route {route.Name} matches {path}, but no gateway route matches {path.TrimEnd('/')}/{{**rest}}");
                        continue;
                    }
                    matched.Add(twin);
                    if (twin.ClusterId != service.Name)
                        problems.Add($"Kong sends {path} to service {service.Name}, the gateway to cluster {twin.ClusterId}");
                    var gatewayKeeps = !twin.Transforms.Any(ChangesThePath);
                    if (gatewayKeeps == route.StripPath)
                        problems.Add($"Kong route {route.Name} {(route.StripPath ? "strips" : "keeps")} {path}, gateway route {twin.Id} {(gatewayKeeps ? "keeps" : "changes")} it");
                }
            }
        }
        problems.AddRange(gateway.Routes.Where(g => !matched.Contains(g) && !g.Path.StartsWith(GatewayOnlyPrefix, StringComparison.Ordinal))
            .Select(g => $"gateway route {g.Id} ({g.Path}) has no Kong route"));

        var kongPublic = kong.Plugins.Where(p => p.Name == ApiKeyPluginName).SelectMany(p => p.Strings("public_paths")).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(kongPublic.Except(gateway.PublicPaths).Select(p => $"Kong lets {p} through without a key, the gateway does not"));
        problems.AddRange(gateway.PublicPaths.Except(kongPublic).Select(p => $"the gateway lets {p} through without a key, Kong does not"));

        foreach (var service in kong.Services)
        {
            if (!kong.Upstreams.TryGetValue(service.Url.Host, out var upstream)) continue;
            if (gateway.Clusters.FirstOrDefault(c => c.Id == service.Name) is not { } cluster) continue;
            var policy = upstream.Algorithm switch { "round-robin" => "RoundRobin", "least-connections" => "LeastRequests", var other => other };
            if (!string.Equals(policy, cluster.LoadBalancingPolicy, StringComparison.Ordinal))
                problems.Add($"Kong balances {service.Name} by {upstream.Algorithm}, the gateway by {cluster.LoadBalancingPolicy ?? "its default (PowerOfTwoChoices)"}");
            if (upstream.ActiveHealthPath != cluster.ActiveHealthPath)
                problems.Add($"Kong probes {service.Name} on {upstream.ActiveHealthPath ?? "nothing"}, the gateway on {cluster.ActiveHealthPath ?? "nothing"}");
        }
        return problems;
    }

    /// <summary>Path prefix of the routes only the gateway has (the OpenAPI documents behind its Swagger UI).</summary>
    public const string GatewayOnlyPrefix = "/openapi/";

    // YARP's path transforms (PathPrefix, PathRemovePrefix, PathSet, PathPattern) all change what the instance sees.
    private static bool ChangesThePath(IReadOnlyDictionary<string, string> transform) =>
        transform.Keys.Any(k => k.StartsWith("Path", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Every variable set on a Host container must bind to a configuration key of appsettings.json (<c>A__B</c> is
    /// <c>A:B</c>, case-insensitive as .NET configuration is) or belong to ASP.NET Core or .NET themselves.
    /// </summary>
    public static IReadOnlyList<string> UnboundEnvironmentVariables(ComposeFile compose, IReadOnlySet<string> configurationKeys) =>
        compose.Services.Values
            .Where(s => s.RunsTheHost)
            .SelectMany(s => s.Environment.Keys.Select(name => (Service: s.Name, Name: name)))
            .Where(v => !v.Name.StartsWith("ASPNETCORE_", StringComparison.Ordinal) && !v.Name.StartsWith("DOTNET_", StringComparison.Ordinal)
                // The OpenTelemetry SDK's own variables (specification, "Environment Variable Specification"), which the
                // OTLP exporter reads from configuration itself (ADR 19).
                && !v.Name.StartsWith("OTEL_", StringComparison.Ordinal))
            .Where(v => !configurationKeys.Contains(v.Name.Replace("__", ":", StringComparison.Ordinal)))
            .Select(v => $"{v.Service} sets {v.Name}, but appsettings.json has no key {v.Name.Replace("__", ":", StringComparison.Ordinal)}")
            .ToList();

    /// <summary>
    /// Every service has a health check with a test. The only exception is a one-shot job (restart "no", awaited by
    /// others with service_completed_successfully), which must switch the image's check off explicitly.
    /// </summary>
    public static IReadOnlyList<string> ServicesWithoutHealthCheck(ComposeFile compose)
    {
        var problems = new List<string>();
        foreach (var service in compose.Services.Values)
        {
            var isJob = service.Restart == "no"
                && compose.Services.Values.Any(s => s.DependsOn.TryGetValue(service.Name, out var condition) && condition == "service_completed_successfully");
            if (isJob)
            {
                if (!service.HealthcheckDisabled)
                    problems.Add($"{service.Name} is a one-shot job but does not disable the image's health check");
            }
            else if (IsUnprobeableTraceView(service))
            {
                problems.AddRange(compose.Services.Values.Where(s => s.DependsOn.ContainsKey(service.Name))
                    .Select(s => $"{s.Name} waits for {service.Name}, whose image cannot be health-checked"));
            }
            else if (!service.HasHealthcheck || service.HealthcheckDisabled || !service.HealthcheckHasTest)
            {
                problems.Add($"{service.Name} has no health check");
            }
        }
        return problems;
    }

    /// <summary>The Aspire dashboard image has no shell, curl or wget to probe itself with (microsoft/aspire issue 3407):
    /// it may go without a health check, as long as nothing waits for it (ADR 24).</summary>
    private static bool IsUnprobeableTraceView(ComposeService service) =>
        service.Image is { } image && image.Contains("mcr.microsoft.com/dotnet/aspire-dashboard:", StringComparison.Ordinal) && service.HealthcheckDisabled;

    /// <summary>The OTLP/HTTP port of the trace view (the Aspire dashboard's <c>ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL</c>).</summary>
    public const int OtlpHttpPort = 18890;

    /// <summary>
    /// Traces start at Kong and end in the compose file's trace view (ADR 24): Kong's <c>opentelemetry</c> plugin is
    /// configured with a <c>traces_endpoint</c> at a compose service on <see cref="OtlpHttpPort"/>, path <c>/v1/traces</c>
    /// (OTLP/HTTP), injecting W3C <c>traceparent</c>; the Kong container switches tracing on
    /// (<c>KONG_TRACING_INSTRUMENTATIONS</c>); and every Host container exports over OTLP/HTTP to the same service and
    /// port (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, whose <c>${VAR-default}</c> default is what compose uses).
    /// </summary>
    public static IReadOnlyList<string> TelemetryProblems(KongConfig kong, ComposeFile compose)
    {
        var problems = new List<string>();
        var plugin = kong.Plugins.FirstOrDefault(p => p.Name == "opentelemetry");
        if (plugin is null)
            return ["the opentelemetry plugin is not configured, so traces do not start at the gateway"];
        Uri? traces = Uri.TryCreate(Yaml.Scalar(plugin.Config.Get("traces_endpoint")), UriKind.Absolute, out var parsed) ? parsed : null;
        if (traces is null)
            problems.Add("the opentelemetry plugin has no absolute traces_endpoint");
        else
        {
            if (!compose.Services.ContainsKey(traces.Host))
                problems.Add($"the opentelemetry plugin sends traces to {traces.Host}, which is no service of the compose file");
            if (traces.Port != OtlpHttpPort || traces.AbsolutePath != "/v1/traces")
                problems.Add($"the opentelemetry plugin sends traces to port {traces.Port} path {traces.AbsolutePath}, not the OTLP/HTTP {OtlpHttpPort} /v1/traces");
        }
        var inject = Yaml.Sequence(Yaml.Mapping(plugin.Config.Get("propagation")).Get("inject")).Select(Yaml.Scalar).ToList();
        if (!inject.Contains("w3c"))
            problems.Add("the opentelemetry plugin does not inject W3C traceparent, so the Host's spans start a new trace");
        foreach (var service in compose.Services.Values.Where(s => s.Image?.Contains("kong", StringComparison.OrdinalIgnoreCase) == true))
        {
            if (!service.Environment.TryGetValue("KONG_TRACING_INSTRUMENTATIONS", out var instrumentations) || ComposeDefault(instrumentations) is "" or "off")
                problems.Add($"{service.Name} does not set KONG_TRACING_INSTRUMENTATIONS, so Kong records no span");
        }
        foreach (var service in compose.Services.Values.Where(s => s.RunsTheHost))
        {
            if (!service.Environment.TryGetValue("OTEL_EXPORTER_OTLP_ENDPOINT", out var endpoint)
                || !Uri.TryCreate(ComposeDefault(endpoint), UriKind.Absolute, out var url))
            {
                problems.Add($"{service.Name} sets no OTEL_EXPORTER_OTLP_ENDPOINT, so it exports nothing");
                continue;
            }
            if (traces is not null && (url.Host != traces.Host || url.Port != traces.Port))
                problems.Add($"{service.Name} exports to {url.Host}:{url.Port}, Kong to {traces.Host}:{traces.Port}");
            if (!service.Environment.TryGetValue("OTEL_EXPORTER_OTLP_PROTOCOL", out var protocol) || protocol != "http/protobuf")
                problems.Add($"{service.Name} does not set OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf for the OTLP/HTTP port");
        }
        return problems;
    }

    /// <summary>The value compose uses when the variable is unset: <c>${VAR-default}</c> or <c>${VAR:-default}</c>
    /// gives the default; any other text is itself.</summary>
    private static string ComposeDefault(string value)
    {
        var match = ComposeVariable().Match(value);
        return match.Success ? match.Groups["default"].Value : value;
    }

    [GeneratedRegex(@"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(?<default>[^}]*)\}$")]
    private static partial Regex ComposeVariable();

    /// <summary>A dependency must exist and be waited for until healthy (or, for a job, until it finished successfully).</summary>
    public static IReadOnlyList<string> DependenciesThatDoNotWait(ComposeFile compose)
    {
        var problems = new List<string>();
        foreach (var service in compose.Services.Values)
        {
            foreach (var (dependency, condition) in service.DependsOn)
            {
                if (!compose.Services.ContainsKey(dependency))
                    problems.Add($"{service.Name} depends on {dependency}, which is not a service of the file");
                else if (condition is not ("service_healthy" or "service_completed_successfully"))
                    problems.Add($"{service.Name} depends on {dependency} with {condition}, which does not wait for it to be ready");
            }
        }
        return problems;
    }

    /// <summary>
    /// Migrations run once, in a job that runs the <c>migrate</c> command as a role loading every module; the
    /// long-running Host containers must not migrate at start-up as well.
    /// </summary>
    public static IReadOnlyList<string> MigrationProblems(ComposeFile compose, IReadOnlyCollection<string> allModules, Func<string, IReadOnlyCollection<string>> modulesOfRole)
    {
        var problems = new List<string>();
        var hostServices = compose.Services.Values.Where(s => s.RunsTheHost).ToList();
        var jobs = hostServices.Where(s => s.Command.SequenceEqual(["migrate"])).ToList();
        if (jobs.Count != 1)
            problems.Add($"expected one migrate job, found {jobs.Count}");
        foreach (var job in jobs)
        {
            var missing = allModules.Except(job.Role is { } role ? modulesOfRole(role) : []).ToList();
            if (missing.Count > 0)
                problems.Add($"{job.Name} runs migrate as role {job.Role ?? "(none)"}, which does not load {string.Join(", ", missing)}");
        }
        foreach (var service in hostServices.Except(jobs))
        {
            if (!service.Environment.TryGetValue("Database__MigrateOnStartup", out var migrate) || !string.Equals(migrate, "false", StringComparison.OrdinalIgnoreCase))
                problems.Add($"{service.Name} does not set Database__MigrateOnStartup=false, so it migrates at start-up besides the job");
            if (!jobs.Any(j => service.DependsOn.TryGetValue(j.Name, out var condition) && condition == "service_completed_successfully"))
                problems.Add($"{service.Name} does not wait for the migrate job to complete");
        }
        return problems;
    }

    /// <summary>The Dockerfile exposes exactly one port and tells Kestrel to listen on it.</summary>
    public static IReadOnlyList<string> ImagePortProblems(string dockerfile)
    {
        var exposed = ExposedPorts(dockerfile);
        if (exposed.Count != 1)
            return [$"the image exposes {exposed.Count} ports ({string.Join(", ", exposed)}); the Host listens on one"];
        var listens = HttpPortsSetting().Match(dockerfile);
        if (!listens.Success)
            return ["the image does not set ASPNETCORE_HTTP_PORTS, so Kestrel's port is not pinned to the exposed one"];
        return listens.Groups["port"].Value == exposed[0].ToString(System.Globalization.CultureInfo.InvariantCulture)
            ? []
            : [$"the image exposes {exposed[0]} but sets ASPNETCORE_HTTP_PORTS={listens.Groups["port"].Value}"];
    }

    /// <summary>
    /// The base images are the build arguments <c>SDK_IMAGE</c> and <c>RUNTIME_IMAGE</c>, defaulting to the official
    /// .NET images, so a plain <c>docker build</c> uses those and scripts/test-image.sh can pass stand-ins; every
    /// other <c>FROM</c> names an earlier stage.
    /// </summary>
    public static IReadOnlyList<string> BaseImageProblems(string dockerfile)
    {
        var problems = new List<string>();
        var arguments = ArgInstruction().Matches(dockerfile).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value);
        foreach (var (name, official) in new[] { ("SDK_IMAGE", "mcr.microsoft.com/dotnet/sdk:10.0"), ("RUNTIME_IMAGE", "mcr.microsoft.com/dotnet/aspnet:10.0") })
        {
            if (!arguments.TryGetValue(name, out var value))
                problems.Add($"the Dockerfile has no ARG {name}");
            else if (value != official)
                problems.Add($"ARG {name} defaults to '{value}', not the official {official}");
        }
        var stages = new List<string>();
        var froms = FromInstruction().Matches(dockerfile).ToList();
        foreach (var from in froms)
        {
            var image = from.Groups["image"].Value;
            if (image is not ("${SDK_IMAGE}" or "${RUNTIME_IMAGE}") && !stages.Contains(image, StringComparer.OrdinalIgnoreCase))
                problems.Add($"FROM {image} is neither a base-image argument nor an earlier stage");
            if (from.Groups["stage"].Success) stages.Add(from.Groups["stage"].Value);
        }
        if (froms.Count > 0 && froms[^1].Groups["image"].Value != "${RUNTIME_IMAGE}")
            problems.Add($"the final stage is built FROM {froms[^1].Groups["image"].Value}, not ${{RUNTIME_IMAGE}} (the runtime-only image)");
        return problems;
    }

    /// <summary>
    /// Every Host container on the NATS bus signs in with <c>Bus__Nats__Username</c> and <c>Bus__Nats__Password</c>,
    /// and its <c>Bus__Nats__Url</c> carries no credentials: the URL is what log lines show.
    /// </summary>
    public static IReadOnlyList<string> NatsCredentialProblems(ComposeFile compose)
    {
        var problems = new List<string>();
        foreach (var service in compose.Services.Values.Where(s => s.RunsTheHost))
        {
            if (!service.Environment.TryGetValue("Bus__Transport", out var transport) || !string.Equals(transport, "Nats", StringComparison.OrdinalIgnoreCase))
                continue;
            foreach (var key in new[] { "Bus__Nats__Username", "Bus__Nats__Password" })
            {
                if (!service.Environment.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
                    problems.Add($"{service.Name} uses NATS without {key}");
            }
            if (service.Environment.TryGetValue("Bus__Nats__Url", out var url) && url.Contains('@', StringComparison.Ordinal))
                problems.Add($"{service.Name} puts NATS credentials in Bus__Nats__Url, which logs show");
        }
        return problems;
    }

    /// <summary>The ports of the Dockerfile's EXPOSE instructions.</summary>
    public static IReadOnlyList<int> ExposedPorts(string dockerfile) =>
        ExposeInstruction().Matches(dockerfile)
            .SelectMany(m => m.Groups["ports"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => int.Parse(p.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();

    /// <summary>Every leaf key of an appsettings.json, in configuration form (<c>A:B:C</c>), case-insensitive.</summary>
    public static IReadOnlySet<string> ConfigurationKeys(string appsettingsJson)
    {
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using var document = JsonDocument.Parse(appsettingsJson, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        Collect(document.RootElement, null);
        return keys;

        void Collect(JsonElement element, string? path)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                        Collect(property.Value, path is null ? property.Name : $"{path}:{property.Name}");
                    break;
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in element.EnumerateArray())
                        Collect(item, $"{path}:{index++}");
                    break;
                default:
                    if (path is not null) keys.Add(path);
                    break;
            }
        }
    }

    private static (string Host, int Port) SplitTarget(string target)
    {
        var colon = target.LastIndexOf(':');
        // Kong's default target port is 8000.
        return colon < 0
            ? (target, 8000)
            : (target[..colon], int.TryParse(target[(colon + 1)..], out var port) ? port : -1);
    }

    [GeneratedRegex(@"^\s*EXPOSE\s+(?<ports>[0-9/a-z ]+?)\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ExposeInstruction();

    [GeneratedRegex(@"^\s*ARG\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)(=(?<value>\S*))?\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ArgInstruction();

    [GeneratedRegex(@"^\s*FROM\s+(--\S+\s+)*(?<image>\S+)(\s+AS\s+(?<stage>\S+))?\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex FromInstruction();

    [GeneratedRegex(@"ASPNETCORE_HTTP_PORTS=(?<port>[0-9]+)")]
    private static partial Regex HttpPortsSetting();
}
