using GoMicro.Host.Modules;

namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>
/// Each Kubernetes rule run on a deliberately broken copy of what the production overlay builds to (one edit of the
/// built text each), and two rules on a broken copy of the kubernetes/ folder built by kubectl itself: a rule that
/// cannot report these would pass on anything, so KubernetesManifestsTests would prove nothing. Every edit first
/// asserts that the text it changes is there, so a reformatted manifest fails the canary rather than hollowing it out.
/// </summary>
public sealed class KubernetesRuleCanaryTests
{
    private const int ImagePort = 8080;
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);
    private static readonly Lazy<string> LazyProduction = new(() => KubernetesManifests.Kustomize("kubernetes/overlays/production"));

    private static readonly IReadOnlySet<string> AppRoutes = new HashSet<string> { KubernetesRules.ReadinessPath, KubernetesRules.LivenessPath };

    private static readonly IReadOnlySet<string> ConfigurationKeys =
        DeploymentRules.ConfigurationKeys(RepositoryFiles.ReadText("src/Host/appsettings.json"));

    private static readonly IReadOnlyDictionary<string, int> Peaks = new Dictionary<string, int> { ["auth"] = 251, ["blog"] = 215, ["gateway"] = 114 };

    private static KubernetesManifests Production => KubernetesManifests.Parse(LazyProduction.Value);

    /// <summary>The production build with <paramref name="from"/> replaced by <paramref name="to"/> (every occurrence).</summary>
    private static KubernetesManifests Broken(string from, string to)
    {
        Assert.Contains(from, LazyProduction.Value, StringComparison.Ordinal);
        return KubernetesManifests.Parse(LazyProduction.Value.Replace(from, to, StringComparison.Ordinal));
    }

    /// <summary>The production build with only the first occurrence of <paramref name="from"/> replaced.</summary>
    private static KubernetesManifests BrokenOnce(string from, string to)
    {
        var text = LazyProduction.Value;
        var at = text.IndexOf(from, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the production build no longer contains '{from}'");
        return KubernetesManifests.Parse(string.Concat(text.AsSpan(0, at), to, text.AsSpan(at + from.Length)));
    }

    private static IReadOnlyCollection<string> ModulesOfRole(string role) => ModuleCatalog.Roles.TryGetValue(role, out var modules) ? modules : [];

    private static IReadOnlyList<string> Kong(KubernetesManifests manifests) =>
        KubernetesRules.KongProblems(manifests, ModuleCatalog.All.ToDictionary(m => m.RoutePrefix, m => m.Name), ModulesOfRole,
            KubernetesManifestsTests.ApiKeyPluginFields(),
            new HashSet<string> { "/auth/health", "/blog/health", "/health/live", "/health/ready", "/auth/.well-known/jwks.json" },
            "/auth/verify/apikey");

    [Fact]
    public void The_unbroken_build_passes_every_rule()
    {
        var manifests = Production;
        Assert.Empty(KubernetesRules.ProbeProblems(manifests, AppRoutes, ImagePort));
        Assert.Empty(KubernetesRules.GracePeriodProblems(manifests, ShutdownTimeout));
        Assert.Empty(KubernetesRules.UnboundEnvironmentVariables(manifests, ConfigurationKeys));
        Assert.Empty(KubernetesRules.PortProblems(manifests, ImagePort));
        Assert.Empty(KubernetesRules.ImageProblems(manifests, "gomicro/host:local"));
        Assert.Empty(KubernetesRules.SecurityContextProblems(manifests));
        Assert.Empty(KubernetesRules.ResourceProblems(manifests, Peaks));
        Assert.Empty(KubernetesRules.AvailabilityProblems(manifests, 2));
        Assert.Empty(KubernetesRules.MigrationProblems(manifests, ["auth", "blog"], ModulesOfRole));
        Assert.Empty(KubernetesRules.NetworkPolicyProblems(manifests));
        Assert.Empty(KubernetesRules.JwtKeyProblems(manifests, ModulesOfRole));
        Assert.Empty(Kong(manifests));
    }

    [Fact]
    public void A_readiness_probe_on_another_path_is_reported() =>
        Assert.Contains(KubernetesRules.ProbeProblems(Broken("path: /health/ready", "path: /healthz"), AppRoutes, ImagePort),
            p => p.Contains("readinessProbe calls /healthz, but the Host answers that probe on /health/ready", StringComparison.Ordinal));

    [Fact]
    public void A_probe_path_the_Host_does_not_map_is_reported() =>
        Assert.Contains("the probes use /health/ready, but the Host maps no such route",
            KubernetesRules.ProbeProblems(Production, new HashSet<string> { KubernetesRules.LivenessPath }, ImagePort));

    [Fact]
    public void A_probe_on_another_port_is_reported() =>
        Assert.Contains(KubernetesRules.ProbeProblems(Broken("path: /health/ready\n            port: http", "path: /health/ready\n            port: 8081"), AppRoutes, ImagePort),
            p => p.Contains("readinessProbe probes port 8081, not the Host's port 8080", StringComparison.Ordinal));

    [Fact]
    public void A_grace_period_shorter_than_the_pause_and_the_drain_is_reported() =>
        Assert.Contains(KubernetesRules.GracePeriodProblems(Broken("terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 30"), ShutdownTimeout),
            p => p.Contains("terminationGracePeriodSeconds is 30 s, not more than the preStop pause (10 s) plus HostOptions:ShutdownTimeout (30 s)", StringComparison.Ordinal));

    [Fact]
    public void A_longer_ShutdownTimeout_in_the_app_is_reported_against_the_same_grace_period() =>
        Assert.Contains(KubernetesRules.GracePeriodProblems(Production, TimeSpan.FromMinutes(1)),
            p => p.Contains("plus HostOptions:ShutdownTimeout (60 s)", StringComparison.Ordinal));

    [Fact]
    public void A_missing_preStop_pause_is_reported() =>
        Assert.Contains(KubernetesRules.GracePeriodProblems(Broken("preStop:\n            sleep:", "postStart:\n            sleep:"), ShutdownTimeout),
            p => p.Contains("has no preStop sleep", StringComparison.Ordinal));

    [Fact]
    public void An_environment_variable_without_a_configuration_key_is_reported() =>
        Assert.Contains(KubernetesRules.UnboundEnvironmentVariables(Broken("- name: Bus__Nats__Username", "- name: Bus__Nats__User"), ConfigurationKeys),
            p => p.Contains("sets Bus__Nats__User, but appsettings.json has no key Bus:Nats:User", StringComparison.Ordinal));

    [Fact]
    public void A_misspelt_ConfigMap_key_read_through_envFrom_is_reported() =>
        Assert.Contains(KubernetesRules.UnboundEnvironmentVariables(Broken("Bus__RequestTimeout:", "Bus__RequestTimout:"), ConfigurationKeys),
            p => p.Contains("sets Bus__RequestTimout, but appsettings.json has no key Bus:RequestTimout", StringComparison.Ordinal));

    [Fact]
    public void A_downward_API_variable_that_nothing_expands_is_reported() =>
        Assert.Contains(KubernetesRules.UnboundEnvironmentVariables(Broken(",k8s.node.name=$(K8S_NODE_NAME)", ""), ConfigurationKeys),
            p => p.Contains("sets K8S_NODE_NAME, but appsettings.json has no key K8S_NODE_NAME", StringComparison.Ordinal));

    [Fact]
    public void A_container_port_other_than_the_images_is_reported() =>
        Assert.Contains(KubernetesRules.PortProblems(Broken("containerPort: 8080", "containerPort: 8081"), ImagePort),
            p => p.Contains("declares ports 8081, not the image's 8080", StringComparison.Ordinal));

    [Fact]
    public void A_Service_target_port_no_container_declares_is_reported() =>
        Assert.Contains(KubernetesRules.PortProblems(Broken("targetPort: http", "targetPort: web"), ImagePort),
            p => p.Contains("Service auth sends to port web", StringComparison.Ordinal));

    [Fact]
    public void An_Ingress_backend_port_the_Service_lacks_is_reported() =>
        Assert.Contains(KubernetesRules.PortProblems(Broken("port:\n              name: http", "port:\n              number: 80"), ImagePort),
            p => p.Contains("sends to port 80 of Service auth, which it does not have", StringComparison.Ordinal));

    [Fact]
    public void Another_image_or_a_second_image_reference_is_reported()
    {
        var problems = KubernetesRules.ImageProblems(BrokenOnce("registry.example.com/gomicro/host:1.0.0", "registry.example.com/gomicro/other:1.0.0"), "gomicro/host:local");
        Assert.Contains(problems, p => p.Contains("runs registry.example.com/gomicro/other:1.0.0, not compose's image gomicro/host", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("2 different images", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.ImageProblems(BrokenOnce(":1.0.0", ":1.0.1"), "gomicro/host:local"), p => p.Contains("2 different images", StringComparison.Ordinal));
    }

    [Fact]
    public void A_writable_root_an_unconfined_seccomp_profile_or_no_emptyDir_at_tmp_is_reported()
    {
        Assert.Contains(KubernetesRules.SecurityContextProblems(BrokenOnce("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")),
            p => p.Contains("does not have a read-only root file system", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.SecurityContextProblems(Broken("type: RuntimeDefault", "type: Unconfined")),
            p => p.Contains("does not use the RuntimeDefault seccomp profile", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.SecurityContextProblems(Broken("mountPath: /tmp", "mountPath: /scratch")),
            p => p.Contains("has no emptyDir at /tmp", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.SecurityContextProblems(BrokenOnce("- ALL", "- NET_RAW")),
            p => p.Contains("does not drop all capabilities", StringComparison.Ordinal));
    }

    [Fact]
    public void A_memory_request_below_the_benchmarks_peak_is_reported() =>
        Assert.Contains(KubernetesRules.ResourceProblems(Broken("memory: 400Mi", "memory: 200Mi"), Peaks),
            p => p.Contains("requests 200Mi of memory, less than 1.2 x the 251 MB", StringComparison.Ordinal));

    [Fact]
    public void The_benchmarks_peaks_are_read_per_role() =>
        Assert.Equal(new Dictionary<string, int> { ["monolith"] = 233, ["auth"] = 251, ["blog"] = 215, ["gateway"] = 114 },
            KubernetesRules.BenchmarkPeaks("x\nProcesses: floor 86 MB, monolith 233 MB, split auth 251 MB + blog 215 MB, second blog 190 MB, gateway 114 MB.\n"));

    [Fact]
    public void An_autoscaler_that_may_go_below_two_pods_or_a_looser_budget_is_reported()
    {
        Assert.Contains(KubernetesRules.AvailabilityProblems(Broken("minReplicas: 2", "minReplicas: 1"), 2),
            p => p.Contains("may scale auth below 2", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.AvailabilityProblems(Broken("maxUnavailable: 1\n  selector", "maxUnavailable: 3\n  selector"), 2),
            p => p.Contains("does not limit disruptions to one pod at a time", StringComparison.Ordinal));
    }

    [Fact]
    public void A_server_that_migrates_at_start_up_or_a_Job_that_misses_a_module_is_reported()
    {
        Assert.Contains(KubernetesRules.MigrationProblems(Broken("Database__MigrateOnStartup: \"false\"", "Database__MigrateOnStartup: \"true\""), ["auth", "blog"], ModulesOfRole),
            p => p.Contains("does not set Database__MigrateOnStartup=false", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.MigrationProblems(Broken("value: monolith", "value: auth"), ["auth", "blog"], ModulesOfRole),
            p => p.Contains("runs migrate as role auth, which does not load blog", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.MigrationProblems(Broken("args:\n        - migrate\n        env:", "args:\n        - help\n        env:"), ["auth", "blog"], ModulesOfRole),
            p => p.Contains("has no init container running migrate", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Kong_route_that_strips_the_prefix_or_a_plugin_that_verifies_elsewhere_is_reported()
    {
        Assert.Contains(Kong(Broken("konghq.com/strip-path: \"false\"", "konghq.com/strip-path: \"true\"")),
            p => p.Contains("does not keep /auth", StringComparison.Ordinal));
        Assert.Contains(Kong(Broken("http://auth.gomicro.svc.cluster.local:8080/auth/verify/apikey", "http://auth.gomicro-dev.svc.cluster.local:8080/auth/verify/apikey")),
            p => p.Contains("but Kong (in another namespace) reaches the auth Service as auth.gomicro.svc.cluster.local", StringComparison.Ordinal));
        Assert.Contains(Kong(Broken("http://auth.gomicro.svc.cluster.local:8080/auth/verify/apikey", "http://blog.gomicro.svc.cluster.local:8080/verify/apikey")),
            p => p.Contains("names blog, which is no Service of an auth pod", StringComparison.Ordinal));
        Assert.Contains(Kong(Broken("cache_ttl:", "cache_tl:")),
            p => p.Contains("sets cache_tl, which kong/plugins/apikey-auth/schema.lua does not define", StringComparison.Ordinal));
        Assert.Contains(Kong(Broken("- /blog/health", "- /blog/list/latest")),
            p => p.Contains("lets /blog/list/latest through without a key", StringComparison.Ordinal));
        Assert.Contains(Kong(Broken("konghq.com/plugins: apikey-auth,opentelemetry", "konghq.com/plugins: opentelemetry")),
            p => p.Contains("does not attach the apikey-auth KongPlugin", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_default_deny_or_a_closed_NATS_port_is_reported()
    {
        var withoutDeny = new KubernetesManifests(Production.Objects.Where(o => !(o.Kind == "NetworkPolicy" && o.Name == "default-deny")).ToList());
        Assert.Contains(KubernetesRules.NetworkPolicyProblems(withoutDeny), p => p.Contains("no default-deny NetworkPolicy", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.NetworkPolicyProblems(Broken("port: 4222", "port: 4223")),
            p => p.Contains("Bus__Nats__Url is nats://nats.nats.svc.cluster.local:4222, but no NetworkPolicy lets its pod reach port 4222", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.NetworkPolicyProblems(Broken("port: 53", "port: 54")), p => p.Contains("(port 53)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_peer_namespace_other_than_the_one_the_URL_names_is_reported() =>
        Assert.Contains(KubernetesRules.NetworkPolicyProblems(Broken("kubernetes.io/metadata.name: nats", "kubernetes.io/metadata.name: messaging")),
            p => p.Contains("Bus__Nats__Url names namespace nats, but the NetworkPolicies open port 4222 only towards messaging", StringComparison.Ordinal));

    [Fact]
    public void A_JWT_key_outside_the_Secret_mount_or_readable_by_everyone_is_reported()
    {
        Assert.Contains(KubernetesRules.JwtKeyProblems(Broken("Auth__Jwt__SigningKeyPath: /run/secrets/jwt/", "Auth__Jwt__SigningKeyPath: /keys/"), ModulesOfRole),
            p => p.Contains("sets Auth__Jwt__SigningKeyPath=/keys/jwt-private.pem, which is in no mounted Secret", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.JwtKeyProblems(Broken("defaultMode: 288", "defaultMode: 292"), ModulesOfRole),
            p => p.Contains("readable by every user (defaultMode 444)", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.JwtKeyProblems(Broken("fsGroup: 1654", "fsGroup: 2000"), ModulesOfRole),
            p => p.Contains("not readable through the pod's group", StringComparison.Ordinal));
    }

    [Fact]
    public void NATS_values_without_three_servers_or_file_storage_are_reported()
    {
        var text = RepositoryFiles.ReadText("kubernetes/nats/values.yaml");
        Assert.Contains("replicas: 3", text, StringComparison.Ordinal);
        Assert.Contains(KubernetesRules.NatsValuesProblems(Yaml.ParseMapping(text.Replace("replicas: 3", "replicas: 1", StringComparison.Ordinal)), Production),
            p => p.Contains("cluster of three servers", StringComparison.Ordinal));
        Assert.Contains("fileStore:\n      enabled: true", text, StringComparison.Ordinal);
        Assert.Contains(KubernetesRules.NatsValuesProblems(Yaml.ParseMapping(text.Replace("fileStore:\n      enabled: true", "fileStore:\n      enabled: false", StringComparison.Ordinal)), Production),
            p => p.Contains("JetStream on file storage", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.NatsValuesProblems(Yaml.ParseMapping(text.Replace("port: 4222", "port: 4333", StringComparison.Ordinal)), Production),
            p => p.Contains("but the NATS values listen on 4333", StringComparison.Ordinal));
    }

    [Fact]
    public void Kong_values_that_load_another_ConfigMap_or_lack_the_cache_dict_are_reported()
    {
        var text = RepositoryFiles.ReadText("kubernetes/kong/values.yaml");
        var plugin = KubernetesManifests.Build("kubernetes/kong");
        Assert.Empty(KubernetesRules.KongValuesProblems(Yaml.ParseMapping(text), plugin, Production, "apikey_auth_cache"));
        Assert.Contains("name: kong-plugin-apikey-auth", text, StringComparison.Ordinal);
        Assert.Contains(KubernetesRules.KongValuesProblems(Yaml.ParseMapping(text.Replace("name: kong-plugin-apikey-auth", "name: kong-plugin-apikey", StringComparison.Ordinal)), plugin, Production, "apikey_auth_cache"),
            p => p.Contains("ConfigMap kong-plugin-apikey, which kubernetes/kong does not build", StringComparison.Ordinal));
        Assert.Contains(KubernetesRules.KongValuesProblems(Yaml.ParseMapping(text), plugin, Production, "another_cache"),
            p => p.Contains("do not declare the shared dict another_cache", StringComparison.Ordinal));
        Assert.Contains("tracing_instrumentations: all", text, StringComparison.Ordinal);
        Assert.Contains(KubernetesRules.KongValuesProblems(Yaml.ParseMapping(text.Replace("tracing_instrumentations: all", "tracing_instrumentations: \"off\"", StringComparison.Ordinal)), plugin, Production, "apikey_auth_cache"),
            p => p.Contains("Kong records no span", StringComparison.Ordinal));
    }

    /// <summary>The whole chain on a broken copy of the folders: kustomize builds the copy, the rule reads the result.</summary>
    [Fact]
    public void A_broken_copy_of_the_base_built_by_kubectl_is_reported()
    {
        var root = Directory.CreateTempSubdirectory("gomicro-k8s-canary-");
        try
        {
            CopyDirectory(RepositoryFiles.Path("kubernetes"), Path.Combine(root.FullName, "kubernetes"));
            CopyDirectory(RepositoryFiles.Path("kong"), Path.Combine(root.FullName, "kong"));
            var auth = Path.Combine(root.FullName, "kubernetes", "base", "auth.yaml");
            var text = File.ReadAllText(auth);
            Assert.Contains("path: /health/ready", text, StringComparison.Ordinal);
            Assert.Contains("terminationGracePeriodSeconds: 45", text, StringComparison.Ordinal);
            File.WriteAllText(auth, text.Replace("path: /health/ready", "path: /ready", StringComparison.Ordinal)
                .Replace("terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 35", StringComparison.Ordinal));

            var built = KubernetesManifests.Build(Path.Combine(root.FullName, "kubernetes", "overlays", "production"));
            Assert.Contains(KubernetesRules.ProbeProblems(built, AppRoutes, ImagePort),
                p => p.Contains("Deployment/auth container host readinessProbe calls /ready", StringComparison.Ordinal));
            Assert.Contains(KubernetesRules.GracePeriodProblems(built, ShutdownTimeout),
                p => p.Contains("Deployment/auth terminationGracePeriodSeconds is 35 s", StringComparison.Ordinal));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
