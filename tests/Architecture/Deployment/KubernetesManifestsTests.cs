using System.Text.RegularExpressions;
using GoMicro.Host;
using GoMicro.Host.Modules;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;

namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>
/// Reads what <c>kubectl kustomize</c> builds from each overlay of kubernetes/ against the app, so the manifests
/// cannot drift from it: probe paths, drain time, environment variables, ports, the image, sizing, migrations, Kong
/// routing and network policies; and the engines' Helm values against the same. Needs kubectl (the build fails
/// loudly without it, never skips). KubernetesRuleCanaryTests proves each rule reports a broken input.
/// </summary>
public sealed class KubernetesManifestsTests
{
    /// <summary>Each overlay and the fewest pods per role it must keep running.</summary>
    public static TheoryData<string, int> Overlays => new()
    {
        { "kubernetes/overlays/dev", 1 },
        { "kubernetes/overlays/production", 2 },
        { "kubernetes/overlays/gateway", 2 },
    };

    public static TheoryData<string> KongOverlays => ["kubernetes/overlays/dev", "kubernetes/overlays/production"];

    private static readonly Lazy<IReadOnlySet<string>> LazyAppRoutes = new(AppRoutes);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<KubernetesManifests>> Builds = new();

    /// <summary>Each kustomization built once per test run (the tests only read the result).</summary>
    private static KubernetesManifests Built(string kustomization) =>
        Builds.GetOrAdd(kustomization, k => new Lazy<KubernetesManifests>(() => KubernetesManifests.Build(k))).Value;

    private static int ImagePort => Assert.Single(DeploymentRules.ExposedPorts(RepositoryFiles.ReadText(ComposeService.HostDockerfile)));

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_overlay_builds_with_auth_and_blog_from_the_Host_image(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        var manifests = Built(overlay);
        var roles = manifests.HostContainers.Where(c => !c.IsInit && c.Workload.Kind == "Deployment").Select(manifests.Role).ToHashSet();
        Assert.Contains("auth", roles);
        Assert.Contains("blog", roles);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Probes_call_the_Hosts_own_health_endpoints_on_its_port(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        Assert.Empty(KubernetesRules.ProbeProblems(Built(overlay), LazyAppRoutes.Value, ImagePort));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_grace_period_covers_the_preStop_pause_and_the_Hosts_ShutdownTimeout(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        Assert.Empty(KubernetesRules.GracePeriodProblems(Built(overlay), AppShutdownTimeout()));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_environment_variable_names_a_key_the_Host_binds(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        var keys = DeploymentRules.ConfigurationKeys(RepositoryFiles.ReadText("src/Host/appsettings.json"));
        Assert.Empty(KubernetesRules.UnboundEnvironmentVariables(Built(overlay), keys));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Container_Service_and_Ingress_ports_are_the_port_the_image_listens_on(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        Assert.Empty(KubernetesRules.PortProblems(Built(overlay), ImagePort));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_Host_container_runs_the_one_image_compose_builds(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        Assert.Empty(KubernetesRules.ImageProblems(Built(overlay), ComposeImage()));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Pods_meet_the_restricted_security_standard_with_an_emptyDir_where_the_runtime_writes(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        Assert.Empty(KubernetesRules.SecurityContextProblems(Built(overlay)));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Memory_requests_and_limits_follow_the_benchmarks_peak_working_sets(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        var peaks = KubernetesRules.BenchmarkPeaks(RepositoryFiles.ReadText("bench/results/latest.md"));
        Assert.Contains("auth", peaks.Keys);
        Assert.Contains("blog", peaks.Keys);
        Assert.Contains("gateway", peaks.Keys);
        Assert.Empty(KubernetesRules.ResourceProblems(Built(overlay), peaks));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Every_role_has_replicas_an_autoscaler_a_disruption_budget_and_a_Service(string overlay, int minimumReplicas) =>
        Assert.Empty(KubernetesRules.AvailabilityProblems(Built(overlay), minimumReplicas));

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Migrations_run_in_a_Job_and_every_pod_waits_for_its_schema(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        Assert.Empty(KubernetesRules.MigrationProblems(Built(overlay), ModuleCatalog.All.Select(m => m.Name).ToList(), ModulesOfRole));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Network_policies_deny_by_default_and_open_what_the_settings_need(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        Assert.Empty(KubernetesRules.NetworkPolicyProblems(Built(overlay)));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_JWT_keys_are_files_of_a_read_only_Secret_mount_where_the_Auth_module_looks(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        Assert.Empty(KubernetesRules.JwtKeyProblems(Built(overlay), ModulesOfRole));
    }

    [Theory]
    [MemberData(nameof(KongOverlays))]
    public void Kong_routes_each_module_prefix_keeping_it_through_the_api_key_plugin(string overlay) =>
        Assert.Empty(KubernetesRules.KongProblems(Built(overlay), ModuleByPrefix(), ModulesOfRole,
            ApiKeyPluginFields(), KeylessPaths(), ModuleCatalog.All.Single(m => m.Name == "auth").RoutePrefix + "/verify/apikey"));

    [Fact]
    public void The_gateway_overlay_replaces_Kong_with_the_gateway_role()
    {
        var manifests = Built("kubernetes/overlays/gateway");
        Assert.Empty(manifests.OfKind("Ingress"));
        Assert.Empty(manifests.OfKind("KongPlugin"));
        Assert.Contains(manifests.HostContainers, c => manifests.Role(c) == "gateway");
    }

    [Theory]
    [MemberData(nameof(KongOverlays))]
    public void The_Kong_Helm_values_load_the_plugin_ConfigMap_that_kubernetes_kong_builds(string overlay)
    {
        var values = Yaml.ParseMapping(RepositoryFiles.ReadText("kubernetes/kong/values.yaml"));
        var cacheDictionary = Regex.Match(RepositoryFiles.ReadText("kong/plugins/apikey-auth/handler.lua"), "CACHE_DICT = \"(?<name>[^\"]+)\"").Groups["name"].Value;
        Assert.NotEmpty(cacheDictionary);
        Assert.Empty(KubernetesRules.KongValuesProblems(values, Built("kubernetes/kong"), Built(overlay), cacheDictionary));
    }

    [Fact]
    public void The_plugin_ConfigMap_holds_the_plugin_files_as_they_are_in_kong_plugins()
    {
        var configMap = Assert.Single(Built("kubernetes/kong").OfKind("ConfigMap"));
        Assert.Equal("kong", configMap.Namespace);
        var data = KubernetesObject.Strings(Yaml.Mapping(configMap.Root.Get("data")));
        Assert.Equal(RepositoryFiles.ReadText("kong/plugins/apikey-auth/handler.lua"), data["handler.lua"]);
        Assert.Equal(RepositoryFiles.ReadText("kong/plugins/apikey-auth/schema.lua"), data["schema.lua"]);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void The_NATS_Helm_values_run_three_servers_with_JetStream_on_files_on_the_Hosts_port(string overlay, int minimumReplicas)
    {
        _ = minimumReplicas;
        var values = Yaml.ParseMapping(RepositoryFiles.ReadText("kubernetes/nats/values.yaml"));
        Assert.Empty(KubernetesRules.NatsValuesProblems(values, Built(overlay)));
    }

    private static IReadOnlyCollection<string> ModulesOfRole(string role) =>
        ModuleCatalog.Roles.TryGetValue(role, out var modules) ? modules : [];

    private static Dictionary<string, string> ModuleByPrefix() => ModuleCatalog.All.ToDictionary(m => m.RoutePrefix, m => m.Name);

    /// <summary>What the Host serves without an API key: each module's health, the probes, the JWKS.</summary>
    private static HashSet<string> KeylessPaths() =>
        [.. ModuleCatalog.All.Select(m => m.RoutePrefix + "/health"), KubernetesRules.LivenessPath, KubernetesRules.ReadinessPath,
            ModuleCatalog.All.Single(m => m.Name == "auth").RoutePrefix + "/.well-known/jwks.json"];

    /// <summary>The fields of the plugin's <c>config</c> record in schema.lua (<c>{ name = { ... } }</c> entries).</summary>
    internal static HashSet<string> ApiKeyPluginFields()
    {
        var schema = RepositoryFiles.ReadText("kong/plugins/apikey-auth/schema.lua");
        var config = schema[schema.IndexOf("{ config = {", StringComparison.Ordinal)..];
        return Regex.Matches(config[1..], @"\{\s*(?<name>[a-z_]+)\s*=\s*\{").Select(m => m.Groups["name"].Value).Where(n => n != "config").ToHashSet();
    }

    /// <summary>compose's default image for the Host (<c>${GOMICRO_IMAGE:-gomicro/host:local}</c>).</summary>
    private static string ComposeImage()
    {
        var compose = ComposeFile.Load("compose/docker-compose.load-balanced.yml");
        var image = compose.Services.Values.First(s => s.RunsTheHost).Image ?? "";
        var match = Regex.Match(image, @"^\$\{[A-Za-z_]+:?-(?<default>[^}]+)\}$");
        return match.Success ? match.Groups["default"].Value : image;
    }

    /// <summary><c>HostOptions:ShutdownTimeout</c> as the Host reads it from appsettings.json.</summary>
    private static TimeSpan AppShutdownTimeout()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(RepositoryFiles.Path("src/Host/appsettings.json")).Build();
        var options = new Microsoft.Extensions.Hosting.HostOptions();
        configuration.GetSection("HostOptions").Bind(options);
        return options.ShutdownTimeout;
    }

    /// <summary>The routes the Host maps, from the built application of the monolith and gateway roles (nothing
    /// started, nothing connected), with a leading slash.</summary>
    private static IReadOnlySet<string> AppRoutes()
    {
        var routes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in new[] { "monolith", "gateway" })
        {
            var app = GoMicroApplication.Build(["--role", role, "--contentRoot", RepositoryFiles.Path("src/Host")]);
            try
            {
                foreach (var endpoint in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
                    routes.Add("/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/'));
            }
            finally
            {
                ((IAsyncDisposable)app).DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        return routes;
    }
}
