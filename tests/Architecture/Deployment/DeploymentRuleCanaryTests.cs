namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>
/// Each deployment rule run on a deliberately broken, in-memory file: a rule that cannot report these would pass
/// on anything, so DeploymentFilesTests would prove nothing.
/// </summary>
public sealed class DeploymentRuleCanaryTests
{
    private const int HostPort = 8080;

    private const string ComposeWithAuthAndBlog = """
        x-host: &host
          build:
            context: ..
            dockerfile: src/Host/Dockerfile
          healthcheck:
            test: ["CMD", "true"]
        services:
          auth1:
            <<: *host
            environment:
              GoMicro__Role: auth
          auth2:
            <<: *host
            environment:
              GoMicro__Role: auth
          blog:
            <<: *host
            environment:
              GoMicro__Role: blog
          redis:
            image: redis:7-alpine
            healthcheck:
              test: ["CMD", "redis-cli", "ping"]
        """;

    private static KongConfig Kong(string services, string plugin = "") => KongConfig.Parse($"""
        _format_version: "3.0"
        upstreams:
          - name: auth_upstream
            targets:
              - target: auth1:8080
              - target: auth2:8080
        services:
        {services}
        plugins:
          - name: apikey-auth
            config:
        {plugin}
        """);

    private static readonly string GoodPlugin = """
              verification_urls:
                - http://auth1:8080/auth/verify/apikey
                - http://auth2:8080/auth/verify/apikey
              public_paths:
                - /auth/health
                - /auth/.well-known/jwks.json
        """;

    private static readonly string GoodServices = """
          - name: auth
            url: http://auth_upstream
            routes:
              - name: auth
                paths: [/auth]
                strip_path: false
          - name: blog
            url: http://blog:8080
            routes:
              - name: blog
                paths: [/blog]
                strip_path: false
        """;

    private static ComposeFile Compose => ComposeFile.Parse(ComposeWithAuthAndBlog);

    private static bool RoleRunsAuth(string role) => role is "auth" or "monolith";

    [Fact]
    public void The_canary_inputs_themselves_pass_every_rule()
    {
        var kong = Kong(GoodServices, GoodPlugin);
        Assert.Empty(DeploymentRules.RoutePrefixesWithoutKongRoute(["/auth", "/blog"], kong));
        Assert.Empty(DeploymentRules.KongTargetsOutsideCompose(kong, Compose, HostPort));
        Assert.Empty(DeploymentRules.VerificationUrlsNotAtAuthServices(kong, Compose, HostPort, "/auth/verify/apikey", RoleRunsAuth));
        Assert.Empty(DeploymentRules.PublicPathsThatNeedAKey(kong, new HashSet<string> { "/auth/health", "/auth/.well-known/jwks.json" }));
        Assert.Empty(DeploymentRules.KeylessPathsKongRefuses(kong, ["/auth/.well-known/jwks.json"]));
        Assert.Empty(DeploymentRules.ServicesWithoutHealthCheck(Compose));
        Assert.Empty(DeploymentRules.DependenciesThatDoNotWait(Compose));
    }

    [Fact]
    public void A_module_prefix_without_a_Kong_route_is_reported()
    {
        var kong = Kong(GoodServices.Replace("paths: [/blog]", "paths: [/blogs]", StringComparison.Ordinal), GoodPlugin);
        Assert.Contains("no Kong route has the path /blog", DeploymentRules.RoutePrefixesWithoutKongRoute(["/auth", "/blog"], kong));
    }

    [Fact]
    public void A_Kong_route_that_strips_the_module_prefix_is_reported()
    {
        // strip_path left out: Kong's default strips the matched prefix.
        var kong = KongConfig.Parse("""
            services:
              - name: auth
                url: http://auth1:8080
                routes:
                  - name: auth
                    paths: [/auth]
            """);
        Assert.Equal(["Kong route auth strips /auth, but the Host serves paths with it"],
            DeploymentRules.RoutePrefixesWithoutKongRoute(["/auth"], kong));
    }

    [Fact]
    public void A_Kong_service_pointing_at_a_name_compose_does_not_define_is_reported()
    {
        var kong = Kong(GoodServices.Replace("http://blog:8080", "http://blog-service:8080", StringComparison.Ordinal), GoodPlugin);
        Assert.Contains(DeploymentRules.KongTargetsOutsideCompose(kong, Compose, HostPort), p => p.Contains("blog-service is no Host service", StringComparison.Ordinal));
    }

    [Fact]
    public void A_Kong_service_pointing_at_a_compose_service_that_is_not_the_Host_is_reported()
    {
        var kong = Kong(GoodServices.Replace("http://blog:8080", "http://redis:8080", StringComparison.Ordinal), GoodPlugin);
        Assert.Contains(DeploymentRules.KongTargetsOutsideCompose(kong, Compose, HostPort), p => p.Contains("redis is no Host service", StringComparison.Ordinal));
    }

    [Fact]
    public void An_upstream_target_on_another_port_than_the_image_exposes_is_reported()
    {
        var kong = KongConfig.Parse($"""
            upstreams:
              - name: auth_upstream
                targets:
                  - target: auth1:8080
                  - target: auth2:8000
            services:
            {GoodServices}
            """);
        Assert.Contains(DeploymentRules.KongTargetsOutsideCompose(kong, Compose, HostPort), p => p.Contains("targets auth2:8000, but the Host image listens on 8080", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_api_key_plugin_is_reported()
    {
        var kong = KongConfig.Parse($"""
            services:
            {GoodServices}
            """);
        Assert.Contains("the apikey-auth plugin is not configured",
            DeploymentRules.VerificationUrlsNotAtAuthServices(kong, Compose, HostPort, "/auth/verify/apikey", RoleRunsAuth));
    }

    [Fact]
    public void A_verification_url_at_a_blog_service_is_reported()
    {
        var kong = Kong(GoodServices, GoodPlugin.Replace("http://auth2:8080", "http://blog:8080", StringComparison.Ordinal));
        var problems = DeploymentRules.VerificationUrlsNotAtAuthServices(kong, Compose, HostPort, "/auth/verify/apikey", RoleRunsAuth);
        Assert.Contains(problems, p => p.Contains("names blog, which is no auth service", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("auth service auth2 is not among the verification URLs", StringComparison.Ordinal));
    }

    [Fact]
    public void A_verification_url_with_the_reference_path_or_port_is_reported()
    {
        var kong = Kong(GoodServices, GoodPlugin.Replace("http://auth1:8080/auth/verify/apikey", "http://auth1:8000/verify/apikey", StringComparison.Ordinal));
        var problems = DeploymentRules.VerificationUrlsNotAtAuthServices(kong, Compose, HostPort, "/auth/verify/apikey", RoleRunsAuth);
        Assert.Contains(problems, p => p.Contains("uses port 8000", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("calls /verify/apikey", StringComparison.Ordinal));
    }

    [Fact]
    public void A_public_path_that_the_Host_serves_only_with_a_key_is_reported()
    {
        var kong = Kong(GoodServices, GoodPlugin + "\n        - /auth/signup/basic");
        Assert.Contains(DeploymentRules.PublicPathsThatNeedAKey(kong, new HashSet<string> { "/auth/health", "/auth/.well-known/jwks.json" }),
            p => p.Contains("/auth/signup/basic", StringComparison.Ordinal));
    }

    [Fact]
    public void A_JWKS_that_Kong_asks_a_key_for_is_reported()
    {
        var kong = Kong(GoodServices, GoodPlugin.Replace("\n        - /auth/.well-known/jwks.json", "", StringComparison.Ordinal));
        Assert.Equal(["the apikey-auth plugin asks a key for /auth/.well-known/jwks.json, which the Host serves without one"],
            DeploymentRules.KeylessPathsKongRefuses(kong, ["/auth/.well-known/jwks.json"]));
    }

    [Fact]
    public void An_environment_variable_without_a_configuration_key_is_reported()
    {
        var compose = ComposeFile.Parse("""
            services:
              auth:
                build:
                  context: ..
                  dockerfile: src/Host/Dockerfile
                environment:
                  - GoMicro__Role=auth
                  - Auth__Jwt__SigningKey=/keys/private.pem
                  - ASPNETCORE_ENVIRONMENT=Production
              postgres:
                image: postgres:16-alpine
                environment:
                  POSTGRES_PASSWORD: not-a-host-setting
            """);
        var keys = DeploymentRules.ConfigurationKeys("""{ "GoMicro": { "Role": "monolith" }, "Auth": { "Jwt": { "SigningKeyPath": "" } } }""");
        Assert.Equal(["auth sets Auth__Jwt__SigningKey, but appsettings.json has no key Auth:Jwt:SigningKey"],
            DeploymentRules.UnboundEnvironmentVariables(compose, keys));
    }

    [Fact]
    public void A_service_without_a_health_check_is_reported()
    {
        var compose = ComposeFile.Parse(ComposeWithAuthAndBlog + """

              nats:
                image: nats:2.10-alpine
            """);
        Assert.Equal(["nats has no health check"], DeploymentRules.ServicesWithoutHealthCheck(compose));
    }

    [Fact]
    public void A_long_running_service_that_disables_its_health_check_is_reported()
    {
        var compose = ComposeFile.Parse("""
            services:
              kong:
                image: kong:3.9
                healthcheck:
                  disable: true
            """);
        Assert.Equal(["kong has no health check"], DeploymentRules.ServicesWithoutHealthCheck(compose));
    }

    [Fact]
    public void A_one_shot_job_that_keeps_the_image_health_check_is_reported()
    {
        var compose = ComposeFile.Parse("""
            services:
              migrate:
                image: gomicro/host:local
                restart: "no"
              auth:
                image: gomicro/host:local
                healthcheck:
                  test: ["CMD", "true"]
                depends_on:
                  migrate:
                    condition: service_completed_successfully
            """);
        Assert.Equal(["migrate is a one-shot job but does not disable the image's health check"], DeploymentRules.ServicesWithoutHealthCheck(compose));
    }

    [Fact]
    public void A_dependency_that_is_only_started_or_does_not_exist_is_reported()
    {
        var compose = ComposeFile.Parse("""
            services:
              auth:
                image: gomicro/host:local
                depends_on: [postgres, nats]
              postgres:
                image: postgres:16-alpine
            """);
        var problems = DeploymentRules.DependenciesThatDoNotWait(compose);
        Assert.Contains("auth depends on postgres with service_started, which does not wait for it to be ready", problems);
        Assert.Contains("auth depends on nats, which is not a service of the file", problems);
    }

    [Fact]
    public void Instances_that_migrate_at_start_up_or_a_job_of_one_module_are_reported()
    {
        var compose = ComposeFile.Parse("""
            x-host: &host
              build:
                context: ..
                dockerfile: src/Host/Dockerfile
            services:
              migrate:
                <<: *host
                command: ["migrate"]
                environment:
                  GoMicro__Role: auth
              blog:
                <<: *host
                environment:
                  GoMicro__Role: blog
                depends_on:
                  migrate:
                    condition: service_completed_successfully
            """);
        var problems = DeploymentRules.MigrationProblems(compose, ["auth", "blog"], role => role == "monolith" ? ["auth", "blog"] : [role]);
        Assert.Contains("migrate runs migrate as role auth, which does not load blog", problems);
        Assert.Contains("blog does not set Database__MigrateOnStartup=false, so it migrates at start-up besides the job", problems);
    }

    [Fact]
    public void A_compose_file_without_a_migrate_job_is_reported()
    {
        var problems = DeploymentRules.MigrationProblems(Compose, ["auth", "blog"], role => [role]);
        Assert.Contains("expected one migrate job, found 0", problems);
        Assert.Contains("auth1 does not wait for the migrate job to complete", problems);
    }

    [Fact]
    public void An_image_that_exposes_another_port_than_Kestrel_listens_on_is_reported()
    {
        Assert.Equal(["the image exposes 80 but sets ASPNETCORE_HTTP_PORTS=8080"],
            DeploymentRules.ImagePortProblems("FROM x\nENV ASPNETCORE_HTTP_PORTS=8080\nEXPOSE 80\n"));
        Assert.Equal(["the image exposes 2 ports (8080, 8081); the Host listens on one"],
            DeploymentRules.ImagePortProblems("FROM x\nENV ASPNETCORE_HTTP_PORTS=8080\nEXPOSE 8080 8081/tcp\n"));
        Assert.Equal(["the image does not set ASPNETCORE_HTTP_PORTS, so Kestrel's port is not pinned to the exposed one"],
            DeploymentRules.ImagePortProblems("FROM x\nEXPOSE 8080\n"));
    }

    [Fact]
    public void Base_images_that_are_not_the_official_defaults_or_not_arguments_are_reported()
    {
        Assert.Equal(
            ["ARG SDK_IMAGE defaults to 'debian:12', not the official mcr.microsoft.com/dotnet/sdk:10.0",
             "the Dockerfile has no ARG RUNTIME_IMAGE",
             "FROM mcr.microsoft.com/dotnet/aspnet:10.0 is neither a base-image argument nor an earlier stage",
             "the final stage is built FROM mcr.microsoft.com/dotnet/aspnet:10.0, not ${RUNTIME_IMAGE} (the runtime-only image)"],
            DeploymentRules.BaseImageProblems("ARG SDK_IMAGE=debian:12\nFROM ${SDK_IMAGE} AS build\nFROM mcr.microsoft.com/dotnet/aspnet:10.0\n"));
        Assert.Equal(
            ["the final stage is built FROM build, not ${RUNTIME_IMAGE} (the runtime-only image)"],
            DeploymentRules.BaseImageProblems(
                "ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0\nARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0\nFROM ${SDK_IMAGE} AS build\nFROM build\n"));
    }

    [Fact]
    public void A_NATS_client_without_credentials_or_with_them_in_the_url_is_reported()
    {
        var compose = ComposeFile.Parse("""
            x-host: &host
              build:
                context: ..
                dockerfile: src/Host/Dockerfile
            services:
              auth:
                <<: *host
                environment:
                  Bus__Transport: Nats
                  Bus__Nats__Url: nats://gomicro:secret@nats:4222
                  Bus__Nats__Username: gomicro
              blog:
                <<: *host
                environment:
                  Bus__Transport: InProcess
            """);
        Assert.Equal(
            ["auth uses NATS without Bus__Nats__Password", "auth puts NATS credentials in Bus__Nats__Url, which logs show"],
            DeploymentRules.NatsCredentialProblems(compose));
    }

    private const string GoodGateway = """
        {
          "Gateway": { "ApiKey": { "PublicPaths": [ "/auth/health", "/auth/.well-known/jwks.json" ] } },
          "ReverseProxy": {
            "Routes": {
              "auth": { "ClusterId": "auth", "Match": { "Path": "/auth/{**rest}" } },
              "blog": { "ClusterId": "blog", "Match": { "Path": "/blog/{**rest}" } },
              "blog-openapi": { "ClusterId": "blog", "Match": { "Path": "/openapi/blog.json" }, "Transforms": [ { "PathSet": "/openapi/v1.json" } ] }
            },
            "Clusters": {
              "auth": { "LoadBalancingPolicy": "RoundRobin", "Destinations": { "auth1": { "Address": "http://localhost:8081" } } },
              "blog": { "Destinations": { "blog1": { "Address": "http://localhost:8082" } } }
            }
          }
        }
        """;

    [Fact]
    public void The_canary_gateway_routes_as_the_canary_Kong_configuration() =>
        Assert.Empty(DeploymentRules.GatewayDifferences(Kong(GoodServices, GoodPlugin), GatewayConfig.Parse(GoodGateway)));

    [Fact]
    public void A_gateway_route_that_strips_what_Kong_keeps_is_reported()
    {
        var gateway = GatewayConfig.Parse(GoodGateway.Replace(
            "\"Match\": { \"Path\": \"/blog/{**rest}\" } }", "\"Match\": { \"Path\": \"/blog/{**rest}\" }, \"Transforms\": [ { \"PathRemovePrefix\": \"/blog\" } ] }", StringComparison.Ordinal));
        Assert.Equal(["Kong route blog keeps /blog, gateway route blog changes it"], DeploymentRules.GatewayDifferences(Kong(GoodServices, GoodPlugin), gateway));
    }

    [Fact]
    public void A_Kong_route_the_gateway_lacks_or_sends_elsewhere_is_reported()
    {
        var gateway = GatewayConfig.Parse(GoodGateway.Replace("\"ClusterId\": \"blog\", \"Match\": { \"Path\": \"/blog/{**rest}\" }", "\"ClusterId\": \"auth\", \"Match\": { \"Path\": \"/blog/{**rest}\" }", StringComparison.Ordinal));
        Assert.Equal(["Kong sends /blog to service blog, the gateway to cluster auth"], DeploymentRules.GatewayDifferences(Kong(GoodServices, GoodPlugin), gateway));
        var renamed = GatewayConfig.Parse(GoodGateway.Replace("/blog/{**rest}", "/blogs/{**rest}", StringComparison.Ordinal));
        Assert.Equal(
            ["Kong route blog matches /blog, but no gateway route matches /blog/{**rest}", "gateway route blog (/blogs/{**rest}) has no Kong route"],
            DeploymentRules.GatewayDifferences(Kong(GoodServices, GoodPlugin), renamed));
    }

    [Fact]
    public void A_cluster_Kong_lacks_different_public_paths_or_another_balancing_are_reported()
    {
        var gateway = GatewayConfig.Parse(GoodGateway
            .Replace("[ \"/auth/health\", ", "[ \"/blog/health\", ", StringComparison.Ordinal)
            .Replace("\"RoundRobin\"", "\"LeastRequests\"", StringComparison.Ordinal)
            .Replace("\"Clusters\": {", "\"Clusters\": { \"admin\": { \"LoadBalancingPolicy\": \"RoundRobin\" },", StringComparison.Ordinal));
        Assert.Equal(
            [
                "gateway cluster admin is no Kong service",
                "Kong lets /auth/health through without a key, the gateway does not",
                "the gateway lets /blog/health through without a key, Kong does not",
                "Kong balances auth by round-robin, the gateway by LeastRequests",
            ],
            DeploymentRules.GatewayDifferences(Kong(GoodServices, GoodPlugin), gateway));
    }

    private const string TracedCompose = """
        x-host: &host
          build:
            context: ..
            dockerfile: src/Host/Dockerfile
          environment:
            OTEL_EXPORTER_OTLP_ENDPOINT: ${OTEL_EXPORTER_OTLP_ENDPOINT-http://telemetry:18890}
            OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf
        services:
          kong:
            image: gomicro/kong:local
            environment:
              KONG_TRACING_INSTRUMENTATIONS: ${KONG_TRACING_INSTRUMENTATIONS:-all}
          auth:
            <<: *host
          blog:
            <<: *host
          telemetry:
            image: mcr.microsoft.com/dotnet/aspire-dashboard:9.5
            healthcheck:
              disable: true
        """;

    private static KongConfig TracedKong(string endpoint) => KongConfig.Parse($"""
        services:
        {GoodServices}
        plugins:
          - name: opentelemetry
            config:
              traces_endpoint: {endpoint}
              propagation:
                inject: [w3c]
                default_format: w3c
        """);

    [Fact]
    public void The_canary_traced_topology_has_no_telemetry_problem() =>
        Assert.Empty(DeploymentRules.TelemetryProblems(TracedKong("http://telemetry:18890/v1/traces"), ComposeFile.Parse(TracedCompose)));

    [Fact]
    public void A_Kong_trace_endpoint_that_is_no_compose_service_or_not_OTLP_HTTP_is_reported()
    {
        Assert.Equal(
            ["the opentelemetry plugin sends traces to jaeger, which is no service of the compose file",
             "auth exports to telemetry:18890, Kong to jaeger:18890", "blog exports to telemetry:18890, Kong to jaeger:18890"],
            DeploymentRules.TelemetryProblems(TracedKong("http://jaeger:18890/v1/traces"), ComposeFile.Parse(TracedCompose)));
        Assert.Contains("the opentelemetry plugin sends traces to port 18889 path /v1/traces, not the OTLP/HTTP 18890 /v1/traces",
            DeploymentRules.TelemetryProblems(TracedKong("http://telemetry:18889/v1/traces"), ComposeFile.Parse(TracedCompose)));
        Assert.Equal(["the opentelemetry plugin is not configured, so traces do not start at the gateway"],
            DeploymentRules.TelemetryProblems(Kong(GoodServices, GoodPlugin), ComposeFile.Parse(TracedCompose)));
    }

    [Fact]
    public void A_Host_container_without_an_OTLP_endpoint_or_Kong_without_tracing_is_reported()
    {
        var compose = ComposeFile.Parse(TracedCompose
            .Replace("      KONG_TRACING_INSTRUMENTATIONS: ${KONG_TRACING_INSTRUMENTATIONS:-all}", "      KONG_DATABASE: \"off\"", StringComparison.Ordinal)
            .Replace("  blog:\n    <<: *host", "  blog:\n    <<: *host\n    environment:\n      GoMicro__Role: blog", StringComparison.Ordinal));
        Assert.Equal(
            ["kong does not set KONG_TRACING_INSTRUMENTATIONS, so Kong records no span", "blog sets no OTEL_EXPORTER_OTLP_ENDPOINT, so it exports nothing"],
            DeploymentRules.TelemetryProblems(TracedKong("http://telemetry:18890/v1/traces"), compose));
    }

    [Fact]
    public void A_service_that_waits_for_the_unprobeable_trace_view_is_reported()
    {
        var compose = ComposeFile.Parse(TracedCompose.Replace("  auth:\n    <<: *host", "  auth:\n    <<: *host\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n    depends_on:\n      telemetry:\n        condition: service_started", StringComparison.Ordinal));
        Assert.Contains("auth waits for telemetry, whose image cannot be health-checked", DeploymentRules.ServicesWithoutHealthCheck(compose));
    }
}
