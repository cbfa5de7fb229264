using GoMicro.Host.Modules;

namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>
/// Cross-checks the Dockerfile, compose files and Kong configurations with each other and with the code. Docker and
/// Kong cannot run in this build environment, so these parse the files instead; DeploymentRuleCanaryTests proves
/// each rule reports a broken file.
/// </summary>
public sealed class DeploymentFilesTests
{
    private const string SplitCompose = "compose/docker-compose.yml";
    private const string LoadBalancedCompose = "compose/docker-compose.load-balanced.yml";
    private const string DevCompose = "compose/docker-compose.dev.yml";

    /// <summary>Each gateway topology: the compose file and the Kong configuration it runs.</summary>
    public static TheoryData<string, string> Topologies => new()
    {
        { SplitCompose, "kong/kong.yml" },
        { LoadBalancedCompose, "kong/kong-load-balanced.yml" },
    };

    public static TheoryData<string> ComposeFilesWithTheHost => [SplitCompose, LoadBalancedCompose];

    public static TheoryData<string> AllComposeFiles => [SplitCompose, LoadBalancedCompose, DevCompose];

    private static int HostPort => Assert.Single(DeploymentRules.ExposedPorts(RepositoryFiles.ReadText(ComposeService.HostDockerfile)));

    [Fact]
    public void The_Host_image_listens_on_the_one_port_it_exposes() =>
        Assert.Empty(DeploymentRules.ImagePortProblems(RepositoryFiles.ReadText(ComposeService.HostDockerfile)));

    [Theory]
    [MemberData(nameof(Topologies))]
    public void Every_route_prefix_the_Host_maps_has_a_Kong_route_that_keeps_the_prefix(string composeFile, string kongFile)
    {
        _ = composeFile;
        var prefixes = ModuleCatalog.All.Select(m => m.RoutePrefix).ToList();
        Assert.NotEmpty(prefixes);
        Assert.Empty(DeploymentRules.RoutePrefixesWithoutKongRoute(prefixes, KongConfig.Load(kongFile)));
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public void Kong_sends_traffic_only_to_Host_services_of_the_compose_file_on_the_port_the_image_exposes(string composeFile, string kongFile) =>
        Assert.Empty(DeploymentRules.KongTargetsOutsideCompose(KongConfig.Load(kongFile), ComposeFile.Load(composeFile), HostPort));

    [Theory]
    [MemberData(nameof(Topologies))]
    public void The_api_key_plugin_verifies_keys_at_every_auth_service_of_the_compose_file(string composeFile, string kongFile)
    {
        var auth = ModuleCatalog.All.Single(m => m.Name == "auth");
        Assert.Empty(DeploymentRules.VerificationUrlsNotAtAuthServices(
            KongConfig.Load(kongFile), ComposeFile.Load(composeFile), HostPort, auth.RoutePrefix + "/verify/apikey", RoleRunsAuth));
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public void The_api_key_plugin_lets_only_the_Hosts_keyless_endpoints_through_without_a_key(string composeFile, string kongFile)
    {
        _ = composeFile;
        Assert.Empty(DeploymentRules.PublicPathsThatNeedAKey(KongConfig.Load(kongFile), new HashSet<string>([.. HealthPaths(), JwksPath])));
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public void The_api_key_plugin_lets_the_JWKS_through_without_a_key(string composeFile, string kongFile)
    {
        _ = composeFile;
        Assert.Empty(DeploymentRules.KeylessPathsKongRefuses(KongConfig.Load(kongFile), [JwksPath]));
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public void Kong_configurations_use_the_current_declarative_format(string composeFile, string kongFile)
    {
        _ = composeFile;
        Assert.Equal("3.0", KongConfig.Load(kongFile).FormatVersion);
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public void The_gateway_role_routes_checks_keys_and_balances_as_Kong_does(string composeFile, string kongFile)
    {
        _ = composeFile;
        var gateway = GatewayConfig.Load("src/Host/appsettings.json");
        Assert.NotEmpty(gateway.Routes);
        Assert.Empty(DeploymentRules.GatewayDifferences(KongConfig.Load(kongFile), gateway));
    }

    [Theory]
    [MemberData(nameof(Topologies))]
    public void Kong_and_every_Host_container_send_traces_to_the_compose_files_trace_view(string composeFile, string kongFile) =>
        Assert.Empty(DeploymentRules.TelemetryProblems(KongConfig.Load(kongFile), ComposeFile.Load(composeFile)));

    [Fact]
    public void The_Host_image_builds_on_base_image_arguments_that_default_to_the_official_images() =>
        Assert.Empty(DeploymentRules.BaseImageProblems(RepositoryFiles.ReadText(ComposeService.HostDockerfile)));

    [Theory]
    [MemberData(nameof(ComposeFilesWithTheHost))]
    public void Host_containers_on_NATS_sign_in_with_a_user_and_password_kept_out_of_the_url(string composeFile)
    {
        var compose = ComposeFile.Load(composeFile);
        Assert.Contains(compose.Services.Values, s => s.RunsTheHost && s.Environment.TryGetValue("Bus__Transport", out var t) && t == "Nats");
        Assert.Empty(DeploymentRules.NatsCredentialProblems(compose));
    }

    [Theory]
    [MemberData(nameof(ComposeFilesWithTheHost))]
    public void Every_environment_variable_set_on_a_Host_container_binds_to_a_configuration_key(string composeFile)
    {
        var compose = ComposeFile.Load(composeFile);
        Assert.Contains(compose.Services.Values, s => s.RunsTheHost);
        var keys = DeploymentRules.ConfigurationKeys(RepositoryFiles.ReadText("src/Host/appsettings.json"));
        Assert.Empty(DeploymentRules.UnboundEnvironmentVariables(compose, keys));
    }

    [Theory]
    [MemberData(nameof(AllComposeFiles))]
    public void Every_compose_service_has_a_health_check(string composeFile)
    {
        var compose = ComposeFile.Load(composeFile);
        Assert.NotEmpty(compose.Services);
        Assert.Empty(DeploymentRules.ServicesWithoutHealthCheck(compose));
    }

    [Theory]
    [MemberData(nameof(AllComposeFiles))]
    public void Every_compose_dependency_waits_until_it_is_healthy_or_has_completed(string composeFile) =>
        Assert.Empty(DeploymentRules.DependenciesThatDoNotWait(ComposeFile.Load(composeFile)));

    [Theory]
    [MemberData(nameof(ComposeFilesWithTheHost))]
    public void Migrations_run_once_in_a_job_whose_role_loads_every_module(string composeFile) =>
        Assert.Empty(DeploymentRules.MigrationProblems(ComposeFile.Load(composeFile), ModuleNames(), ModulesOfRole));

    [Fact]
    public void The_load_balanced_topology_runs_two_instances_of_every_single_module_role()
    {
        var compose = ComposeFile.Load(LoadBalancedCompose);
        var kong = KongConfig.Load("kong/kong-load-balanced.yml");
        foreach (var module in ModuleNames())
        {
            var instances = compose.Services.Values.Where(s => s.RunsTheHost && s.Role == module && s.Command.Count == 0).Select(s => s.Name).Order().ToList();
            Assert.Equal(2, instances.Count);
            var upstream = kong.Services.Single(s => s.Routes.Any(r => r.Paths.Contains(ModuleCatalog.All.Single(m => m.Name == module).RoutePrefix))).Url.Host;
            Assert.Equal(instances.Select(i => $"{i}:{HostPort}"), kong.UpstreamTargets[upstream].Order());
        }
    }

    private static bool RoleRunsAuth(string role) => ModulesOfRole(role).Contains("auth");

    private static IReadOnlyCollection<string> ModulesOfRole(string role) =>
        ModuleCatalog.Roles.TryGetValue(role, out var modules) ? modules : [];

    private static IReadOnlyCollection<string> ModuleNames() => ModuleCatalog.All.Select(m => m.Name).ToList();

    /// <summary>The Auth module's public keys (JwksEndpoint), served without an API key.</summary>
    private static string JwksPath => ModuleCatalog.All.Single(m => m.Name == "auth").RoutePrefix + "/.well-known/jwks.json";

    /// <summary>Each module's <c>{prefix}/health</c> and the Host's probe endpoints (see HealthEndpoints).</summary>
    private static HashSet<string> HealthPaths() =>
        [.. ModuleCatalog.All.Select(m => m.RoutePrefix + "/health"), "/health/live", "/health/ready"];
}
