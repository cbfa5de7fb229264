using System.Globalization;
using System.Text.RegularExpressions;

namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>
/// Checks of the manifests <c>kubectl kustomize</c> builds from kubernetes/ against the app and the other deployment
/// files. Like <see cref="DeploymentRules"/>, each returns its problems as sentences: empty on the real overlays, not
/// empty on the broken inputs of KubernetesRuleCanaryTests.
/// </summary>
internal static partial class KubernetesRules
{
    /// <summary>The readiness path: every check tagged ready (databases, cache, bus); see HealthEndpoints.</summary>
    public const string ReadinessPath = "/health/ready";

    /// <summary>The liveness path: the process answers, no dependency checked; see HealthEndpoints.</summary>
    public const string LivenessPath = "/health/live";

    /// <summary>
    /// Every long-running Host container (not an init container, not a Job's) probes readiness on
    /// <see cref="ReadinessPath"/> and liveness (and start-up, if it has one) on <see cref="LivenessPath"/>, both paths
    /// the app maps (<paramref name="appRoutes"/>), by HTTP GET on the container's own port.
    /// </summary>
    public static IReadOnlyList<string> ProbeProblems(KubernetesManifests manifests, IReadOnlySet<string> appRoutes, int imagePort)
    {
        var problems = new List<string>();
        foreach (var path in new[] { ReadinessPath, LivenessPath }.Where(p => !appRoutes.Contains(p)))
            problems.Add($"the probes use {path}, but the Host maps no such route");
        foreach (var container in Servers(manifests))
        {
            foreach (var (kind, expected, required) in new[] { ("readinessProbe", ReadinessPath, true), ("livenessProbe", LivenessPath, true), ("startupProbe", LivenessPath, false) })
            {
                var probe = container.Probe(kind);
                if (probe is null)
                {
                    if (required) problems.Add($"{container.Id} has no {kind}");
                    continue;
                }
                var get = Yaml.Mapping(probe.Get("httpGet"));
                if (get is null)
                {
                    problems.Add($"{container.Id} {kind} is not an HTTP GET on the Host's health endpoint");
                    continue;
                }
                var path = Yaml.Scalar(get.Get("path"));
                if (path != expected)
                    problems.Add($"{container.Id} {kind} calls {path ?? "no path"}, but the Host answers that probe on {expected}");
                var port = Yaml.Scalar(get.Get("port")) ?? "";
                if (!container.Ports.TryGetValue(port, out var number) || number != imagePort)
                    problems.Add($"{container.Id} {kind} probes port {port}, not the Host's port {imagePort}");
            }
        }
        return problems;
    }

    /// <summary>
    /// On SIGTERM the Host drains for up to <c>HostOptions:ShutdownTimeout</c> (the container's own
    /// <c>HostOptions__ShutdownTimeout</c>, else appsettings.json's), after a preStop pause that lets the endpoints be
    /// removed first; Kubernetes kills the container at <c>terminationGracePeriodSeconds</c>, counted from the start of
    /// preStop. So every long-running Host container needs a preStop sleep and a grace period longer than the sleep
    /// plus the drain.
    /// </summary>
    public static IReadOnlyList<string> GracePeriodProblems(KubernetesManifests manifests, TimeSpan appShutdownTimeout)
    {
        var problems = new List<string>();
        foreach (var container in Servers(manifests))
        {
            var environment = manifests.EnvironmentOf(container);
            var drain = environment.TryGetValue("HostOptions__ShutdownTimeout", out var text) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var overridden)
                ? overridden
                : appShutdownTimeout;
            var preStop = PreStopSeconds(container);
            if (preStop is null)
                problems.Add($"{container.Id} has no preStop sleep, so it is sent SIGTERM while Kong may still route new requests to it");
            var grace = int.TryParse(Yaml.Scalar(container.Workload.PodSpec.Get("terminationGracePeriodSeconds")), out var seconds) ? seconds : 30;
            var needed = (preStop ?? 0) + drain.TotalSeconds;
            if (grace <= needed)
                problems.Add($"{container.Workload.Id} terminationGracePeriodSeconds is {grace} s, not more than the preStop pause ({preStop ?? 0} s) plus HostOptions:ShutdownTimeout ({drain.TotalSeconds} s): the drain would be killed");
        }
        return problems;
    }

    private static int? PreStopSeconds(KubernetesContainer container)
    {
        var preStop = Yaml.Mapping(Yaml.Mapping(container.Spec.Get("lifecycle")).Get("preStop"));
        if (int.TryParse(Yaml.Scalar(Yaml.Mapping(preStop.Get("sleep")).Get("seconds")), out var sleep))
            return sleep;
        var command = Yaml.Sequence(Yaml.Mapping(preStop.Get("exec")).Get("command")).Select(Yaml.Scalar).ToList();
        return command is ["sleep", var s] && int.TryParse(s, out var execSleep) ? execSleep : null;
    }

    /// <summary>
    /// Every variable a Host container gets (env and the keys of its envFrom ConfigMaps, init containers and Jobs
    /// included) binds to a configuration key of appsettings.json, or belongs to ASP.NET Core, .NET or the
    /// OpenTelemetry SDK (as <see cref="DeploymentRules.UnboundEnvironmentVariables"/> has it for compose). The one
    /// other kind allowed: a downward-API variable that exists only to be expanded (<c>$(NAME)</c>) into another.
    /// An envFrom ConfigMap that the build does not contain is reported too.
    /// </summary>
    public static IReadOnlyList<string> UnboundEnvironmentVariables(KubernetesManifests manifests, IReadOnlySet<string> configurationKeys)
    {
        var problems = new List<string>();
        foreach (var container in manifests.HostContainers)
        {
            foreach (var name in container.EnvFromConfigMaps.Where(n => manifests.Find("ConfigMap", n) is null))
                problems.Add($"{container.Id} reads ConfigMap {name}, which the build does not contain");
            var expanded = container.Env.Where(e => e.Value is not null).SelectMany(e => ExpandedVariable().Matches(e.Value!).Select(m => m.Groups["name"].Value)).ToHashSet();
            var helpers = container.Env.Where(e => e.FromField && expanded.Contains(e.Name)).Select(e => e.Name).ToHashSet();
            foreach (var name in manifests.EnvironmentOf(container).Keys)
            {
                if (helpers.Contains(name) || name.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || name.StartsWith("DOTNET_", StringComparison.Ordinal)
                    || name.StartsWith("OTEL_", StringComparison.Ordinal))
                    continue;
                var key = name.Replace("__", ":", StringComparison.Ordinal);
                if (!configurationKeys.Contains(key))
                    problems.Add($"{container.Id} sets {name}, but appsettings.json has no key {key}");
            }
        }
        return problems;
    }

    [GeneratedRegex(@"\$\((?<name>[A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex ExpandedVariable();

    /// <summary>
    /// Ports line up: every long-running Host container declares the image's port (and no <c>ASPNETCORE_HTTP_PORTS</c>
    /// or <c>ASPNETCORE_URLS</c> that moves Kestrel elsewhere); every Service's targetPort is a port of the containers
    /// it selects; every Ingress backend names a port of its Service.
    /// </summary>
    public static IReadOnlyList<string> PortProblems(KubernetesManifests manifests, int imagePort)
    {
        var problems = new List<string>();
        foreach (var container in Servers(manifests))
        {
            if (!container.Ports.Values.Contains(imagePort))
                problems.Add($"{container.Id} declares ports {string.Join(", ", container.Ports.Values.Distinct())}, not the image's {imagePort}");
            var environment = manifests.EnvironmentOf(container);
            if (environment.TryGetValue("ASPNETCORE_HTTP_PORTS", out var ports) && ports != imagePort.ToString(CultureInfo.InvariantCulture))
                problems.Add($"{container.Id} sets ASPNETCORE_HTTP_PORTS={ports}, but its probes and Service use {imagePort}");
            if (environment.ContainsKey("ASPNETCORE_URLS"))
                problems.Add($"{container.Id} sets ASPNETCORE_URLS, which overrides the image's port {imagePort}");
        }
        foreach (var service in manifests.OfKind("Service"))
        {
            var selector = KubernetesObject.Strings(Yaml.Mapping(service.Spec.Get("selector")));
            var selected = manifests.Containers.Where(c => !c.IsInit && Selects(selector, c.Workload.PodLabels)).ToList();
            if (selected.Count == 0)
            {
                problems.Add($"Service {service.Name} selects no pod of the build");
                continue;
            }
            foreach (var port in Yaml.Sequence(service.Spec.Get("ports")).Select(Yaml.Mapping))
            {
                var target = Yaml.Scalar(port.Get("targetPort")) ?? Yaml.Scalar(port.Get("port")) ?? "";
                foreach (var container in selected.Where(c => !c.Ports.ContainsKey(target)))
                    problems.Add($"Service {service.Name} sends to port {target}, which {container.Id} does not declare");
            }
        }
        foreach (var ingress in manifests.OfKind("Ingress"))
        {
            foreach (var backend in IngressPaths(ingress).Select(p => p.Backend))
            {
                var service = manifests.Find("Service", backend.Service);
                var ports = Yaml.Sequence(service?.Spec.Get("ports")).Select(Yaml.Mapping)
                    .SelectMany(p => new[] { Yaml.Scalar(p.Get("name")), Yaml.Scalar(p.Get("port")) }).OfType<string>().ToHashSet();
                if (service is null)
                    problems.Add($"Ingress {ingress.Name} sends to Service {backend.Service}, which the build does not contain");
                else if (!ports.Contains(backend.Port))
                    problems.Add($"Ingress {ingress.Name} sends to port {backend.Port} of Service {backend.Service}, which it does not have");
            }
        }
        return problems;
    }

    /// <summary>
    /// The image is compose's: every Host container (init containers and the migrate Job included) runs one and the
    /// same image reference, whose repository path (without registry and tag) is the one compose builds and tags,
    /// so an overlay can move it to a registry and a release tag but never to another image.
    /// </summary>
    public static IReadOnlyList<string> ImageProblems(KubernetesManifests manifests, string composeImage)
    {
        var problems = new List<string>();
        var repository = RepositoryPath(composeImage);
        var containers = manifests.HostContainers.ToList();
        if (containers.Count == 0)
            return ["the build has no Host container (none sets GoMicro__Role)"];
        foreach (var container in containers.Where(c => RepositoryPath(c.Image) is var path && path != repository && !path.EndsWith("/" + repository, StringComparison.Ordinal)))
            problems.Add($"{container.Id} runs {container.Image}, not compose's image {repository}");
        var references = containers.Select(c => c.Image).Distinct().ToList();
        if (references.Count > 1)
            problems.Add($"the Host containers run {references.Count} different images ({string.Join(", ", references)}); every role must run the one image");
        return problems;
    }

    /// <summary>The repository path of an image reference: no tag or digest (<c>registry.example.com/gomicro/host:1.0</c> →
    /// <c>registry.example.com/gomicro/host</c>).</summary>
    public static string RepositoryPath(string image)
    {
        var withoutDigest = image.Split('@')[0];
        var lastSlash = withoutDigest.LastIndexOf('/');
        var colon = withoutDigest.LastIndexOf(':');
        return colon > lastSlash ? withoutDigest[..colon] : withoutDigest;
    }

    /// <summary>
    /// The restricted Pod Security Standard, with a writable emptyDir at <c>/tmp</c> because the root file system is
    /// read-only (the .NET runtime's diagnostics socket and temporary files live there): every Host pod runs as
    /// non-root with the RuntimeDefault seccomp profile; every container forbids privilege escalation, drops all
    /// capabilities and has a read-only root file system.
    /// </summary>
    public static IReadOnlyList<string> SecurityContextProblems(KubernetesManifests manifests)
    {
        var problems = new List<string>();
        foreach (var workload in manifests.HostContainers.Select(c => c.Workload).Distinct())
        {
            var pod = Yaml.Mapping(workload.PodSpec.Get("securityContext"));
            if (Yaml.Scalar(pod.Get("runAsNonRoot")) != "true")
                problems.Add($"{workload.Id} does not set runAsNonRoot");
            if (Yaml.Scalar(Yaml.Mapping(pod.Get("seccompProfile")).Get("type")) != "RuntimeDefault")
                problems.Add($"{workload.Id} does not use the RuntimeDefault seccomp profile");
        }
        foreach (var container in manifests.HostContainers)
        {
            var context = Yaml.Mapping(container.Spec.Get("securityContext"));
            if (Yaml.Scalar(context.Get("allowPrivilegeEscalation")) != "false")
                problems.Add($"{container.Id} does not set allowPrivilegeEscalation: false");
            if (Yaml.Scalar(context.Get("readOnlyRootFilesystem")) != "true")
                problems.Add($"{container.Id} does not have a read-only root file system");
            if (!Yaml.Sequence(Yaml.Mapping(context.Get("capabilities")).Get("drop")).Select(Yaml.Scalar).Contains("ALL"))
                problems.Add($"{container.Id} does not drop all capabilities");
            var tmp = Yaml.Sequence(container.Spec.Get("volumeMounts")).Select(Yaml.Mapping)
                .FirstOrDefault(m => Yaml.Scalar(m.Get("mountPath")) == "/tmp");
            var volume = tmp is null ? null : Yaml.Sequence(container.Workload.PodSpec.Get("volumes")).Select(Yaml.Mapping)
                .FirstOrDefault(v => Yaml.Scalar(v.Get("name")) == Yaml.Scalar(tmp.Get("name")));
            if (volume?.Get("emptyDir") is null)
                problems.Add($"{container.Id} has no emptyDir at /tmp, where the .NET runtime writes under a read-only root");
        }
        return problems;
    }

    /// <summary>
    /// Requests and limits come from the benchmark: every long-running Host container requests and limits CPU and
    /// memory, requests at least 1.2 times and limits at least 2 times the peak working set bench/results/latest.md
    /// measured for its role (<paramref name="peakMegabytesByRole"/>), so neither a request below what the process
    /// uses nor a limit that kills it under load.
    /// </summary>
    public static IReadOnlyList<string> ResourceProblems(KubernetesManifests manifests, IReadOnlyDictionary<string, int> peakMegabytesByRole)
    {
        var problems = new List<string>();
        foreach (var container in Servers(manifests))
        {
            var resources = Yaml.Mapping(container.Spec.Get("resources"));
            var requests = KubernetesObject.Strings(Yaml.Mapping(resources.Get("requests")));
            var limits = KubernetesObject.Strings(Yaml.Mapping(resources.Get("limits")));
            foreach (var (set, what) in new[] { (requests, "requests"), (limits, "limits") })
            {
                foreach (var resource in new[] { "cpu", "memory" }.Where(r => !set.ContainsKey(r)))
                    problems.Add($"{container.Id} has no {resource} {what}");
            }
            var role = manifests.Role(container) ?? "";
            if (!peakMegabytesByRole.TryGetValue(role, out var peak))
            {
                problems.Add($"{container.Id} runs role {role}, for which the benchmark gives no peak working set");
                continue;
            }
            if (requests.TryGetValue("memory", out var request) && Mebibytes(request) < 1.2 * peak)
                problems.Add($"{container.Id} requests {request} of memory, less than 1.2 x the {peak} MB its role peaked at in the benchmark");
            if (limits.TryGetValue("memory", out var limit) && Mebibytes(limit) < 2 * peak)
                problems.Add($"{container.Id} limits memory to {limit}, less than 2 x the {peak} MB its role peaked at in the benchmark");
        }
        return problems;
    }

    /// <summary>A memory quantity in MiB (<c>320Mi</c>, <c>1Gi</c>, <c>500M</c>, bytes); NaN for what it cannot read.</summary>
    public static double Mebibytes(string quantity)
    {
        var match = Quantity().Match(quantity);
        if (!match.Success) return double.NaN;
        var value = double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
        return match.Groups["unit"].Value switch
        {
            "Ki" => value / 1024,
            "Mi" => value,
            "Gi" => value * 1024,
            "k" => value * 1000 / 1048576,
            "M" => value * 1e6 / 1048576,
            "G" => value * 1e9 / 1048576,
            "" => value / 1048576,
            _ => double.NaN,
        };
    }

    [GeneratedRegex(@"^(?<value>[0-9]+(\.[0-9]+)?)(?<unit>Ki|Mi|Gi|k|M|G|)$")]
    private static partial Regex Quantity();

    /// <summary>
    /// The peak working set of each role from the benchmark's report: its line
    /// <c>Processes: ... split auth 251 MB + blog 215 MB, ..., gateway 114 MB.</c>
    /// </summary>
    public static IReadOnlyDictionary<string, int> BenchmarkPeaks(string latestMarkdown)
    {
        var peaks = new Dictionary<string, int>(StringComparer.Ordinal);
        var line = latestMarkdown.Split('\n').FirstOrDefault(l => l.StartsWith("Processes:", StringComparison.Ordinal)) ?? "";
        foreach (var (role, pattern) in new[] { ("auth", @"split auth (\d+) MB"), ("blog", @"split auth \d+ MB \+ blog (\d+) MB"), ("gateway", @"gateway (\d+) MB"), ("monolith", @"monolith (\d+) MB") })
        {
            var match = Regex.Match(line, pattern);
            if (match.Success) peaks[role] = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        return peaks;
    }

    /// <summary>
    /// Each role Deployment runs at least <paramref name="minimumReplicas"/> pods, has a HorizontalPodAutoscaler on CPU
    /// from at least that many, a PodDisruptionBudget that lets at most one pod go at a time, and a Service.
    /// </summary>
    public static IReadOnlyList<string> AvailabilityProblems(KubernetesManifests manifests, int minimumReplicas)
    {
        var problems = new List<string>();
        foreach (var deployment in manifests.OfKind("Deployment"))
        {
            if (int.TryParse(Yaml.Scalar(deployment.Spec.Get("replicas")), out var replicas) && replicas < minimumReplicas)
                problems.Add($"{deployment.Id} runs {replicas} replica(s), fewer than {minimumReplicas}");
            var hpa = manifests.OfKind("HorizontalPodAutoscaler").FirstOrDefault(h => Yaml.Scalar(Yaml.Mapping(h.Spec.Get("scaleTargetRef")).Get("name")) == deployment.Name);
            if (hpa is null)
                problems.Add($"{deployment.Id} has no HorizontalPodAutoscaler");
            else
            {
                if (!int.TryParse(Yaml.Scalar(hpa.Spec.Get("minReplicas")), out var min) || min < minimumReplicas)
                    problems.Add($"HorizontalPodAutoscaler {hpa.Name} may scale {deployment.Name} below {minimumReplicas}");
                var onCpu = Yaml.Sequence(hpa.Spec.Get("metrics")).Select(Yaml.Mapping)
                    .Any(m => Yaml.Scalar(Yaml.Mapping(m.Get("resource")).Get("name")) == "cpu");
                if (!onCpu)
                    problems.Add($"HorizontalPodAutoscaler {hpa.Name} does not scale on CPU");
            }
            var labels = deployment.PodLabels;
            var budget = manifests.OfKind("PodDisruptionBudget").FirstOrDefault(p =>
                Selects(KubernetesObject.Strings(Yaml.Mapping(Yaml.Mapping(p.Spec.Get("selector")).Get("matchLabels"))), labels));
            if (budget is null)
                problems.Add($"{deployment.Id} has no PodDisruptionBudget");
            else if (Yaml.Scalar(budget.Spec.Get("maxUnavailable")) != "1")
                problems.Add($"PodDisruptionBudget {budget.Name} does not limit disruptions to one pod at a time (maxUnavailable: 1)");
            if (!manifests.OfKind("Service").Any(s => Selects(KubernetesObject.Strings(Yaml.Mapping(s.Spec.Get("selector"))), labels)))
                problems.Add($"{deployment.Id} has no Service");
        }
        return problems;
    }

    /// <summary>
    /// Migrations: one Job runs <c>migrate</c> as a role that loads every module; every long-running Host container sets
    /// <c>Database__MigrateOnStartup=false</c>; and every role Deployment has an init container that runs <c>migrate</c>
    /// as its own role before the server starts (the order is enforced, whatever is applied first).
    /// </summary>
    public static IReadOnlyList<string> MigrationProblems(KubernetesManifests manifests, IReadOnlyCollection<string> allModules, Func<string, IReadOnlyCollection<string>> modulesOfRole)
    {
        var problems = new List<string>();
        var jobs = manifests.HostContainers.Where(c => c.Workload.Kind == "Job" && c.Args.SequenceEqual(["migrate"])).ToList();
        if (jobs.Count != 1)
            problems.Add($"expected one migrate Job, found {jobs.Count}");
        foreach (var job in jobs)
        {
            var missing = allModules.Except(modulesOfRole(manifests.Role(job) ?? "")).ToList();
            if (missing.Count > 0)
                problems.Add($"{job.Id} runs migrate as role {manifests.Role(job)}, which does not load {string.Join(", ", missing)}");
        }
        foreach (var server in Servers(manifests))
        {
            var role = manifests.Role(server);
            if (modulesOfRole(role ?? "").Count == 0) continue; // the gateway has no database
            if (!manifests.EnvironmentOf(server).TryGetValue("Database__MigrateOnStartup", out var migrate) || !string.Equals(migrate, "false", StringComparison.OrdinalIgnoreCase))
                problems.Add($"{server.Id} does not set Database__MigrateOnStartup=false");
            var init = manifests.HostContainers.FirstOrDefault(c => c.IsInit && c.Workload == server.Workload && c.Args.SequenceEqual(["migrate"]));
            if (init is null)
                problems.Add($"{server.Workload.Id} has no init container running migrate, so its server may start before the schema is in place");
            else if (manifests.Role(init) != role)
                problems.Add($"{init.Id} migrates as role {manifests.Role(init)}, not its pod's role {role}");
        }
        return problems;
    }

    /// <summary>
    /// The Kong Ingress Controller routes each module prefix to the Service of a role that runs the module, keeping the
    /// prefix (<c>konghq.com/strip-path: "false"</c>), with the apikey-auth plugin attached; the plugin's KongPlugin
    /// sets only fields of kong/plugins/apikey-auth/schema.lua, names as public only the Host's keyless paths, and
    /// verifies keys at the auth Service (in its namespace, on its port) on the Auth module's path.
    /// </summary>
    public static IReadOnlyList<string> KongProblems(
        KubernetesManifests manifests, IReadOnlyDictionary<string, string> moduleByPrefix, Func<string, IReadOnlyCollection<string>> modulesOfRole,
        IReadOnlySet<string> pluginFields, IReadOnlySet<string> keylessPaths, string verifyPath)
    {
        var problems = new List<string>();
        var ingresses = manifests.OfKind("Ingress").Where(i => Yaml.Scalar(i.Spec.Get("ingressClassName")) == "kong").ToList();
        if (ingresses.Count == 0)
            return ["no Ingress of class kong"];
        var paths = ingresses.SelectMany(i => IngressPaths(i).Select(p => (Ingress: i, p.Path, p.PathType, p.Backend))).ToList();
        foreach (var (prefix, module) in moduleByPrefix)
        {
            var route = paths.FirstOrDefault(p => p.Path == prefix);
            if (route.Ingress is null)
            {
                problems.Add($"no Kong Ingress path is {prefix}");
                continue;
            }
            var annotations = KubernetesObject.Strings(Yaml.Mapping(route.Ingress.Metadata.Get("annotations")));
            if (!annotations.TryGetValue("konghq.com/strip-path", out var strip) || strip != "false")
                problems.Add($"Ingress {route.Ingress.Name} does not keep {prefix} (konghq.com/strip-path: \"false\"), but the Host serves paths with it");
            if (route.PathType != "Prefix")
                problems.Add($"Ingress {route.Ingress.Name} matches {prefix} as {route.PathType}, not Prefix");
            var plugins = annotations.TryGetValue("konghq.com/plugins", out var list) ? list.Split(',', StringSplitOptions.TrimEntries) : [];
            if (!plugins.Contains(DeploymentRules.ApiKeyPluginName))
                problems.Add($"Ingress {route.Ingress.Name} does not attach the {DeploymentRules.ApiKeyPluginName} KongPlugin to {prefix}");
            var target = manifests.Containers.FirstOrDefault(c => !c.IsInit && manifests.OfKind("Service").Any(s => s.Name == route.Backend.Service
                && Selects(KubernetesObject.Strings(Yaml.Mapping(s.Spec.Get("selector"))), c.Workload.PodLabels)));
            if (target is null || !modulesOfRole(manifests.Role(target) ?? "").Contains(module))
                problems.Add($"Ingress {route.Ingress.Name} sends {prefix} to Service {route.Backend.Service}, whose pods do not run the {module} module");
        }

        var plugin = manifests.OfKind("KongPlugin").FirstOrDefault(p => Yaml.Scalar(p.Root.Get("plugin")) == DeploymentRules.ApiKeyPluginName);
        if (plugin is null)
            return [.. problems, $"no KongPlugin for the {DeploymentRules.ApiKeyPluginName} plugin"];
        var config = Yaml.Mapping(plugin.Root.Get("config")) ?? new Dictionary<string, object?>();
        problems.AddRange(config.Keys.Where(k => !pluginFields.Contains(k)).Select(k => $"KongPlugin {plugin.Name} sets {k}, which kong/plugins/apikey-auth/schema.lua does not define"));
        problems.AddRange(Yaml.Sequence(config.Get("public_paths")).Select(Yaml.Scalar).OfType<string>().Where(p => !keylessPaths.Contains(p))
            .Select(p => $"KongPlugin {plugin.Name} lets {p} through without a key, but the Host requires one there"));
        var urls = Yaml.Sequence(config.Get("verification_urls")).Select(Yaml.Scalar).OfType<string>().ToList();
        if (urls.Count == 0)
            problems.Add($"KongPlugin {plugin.Name} has no verification_urls");
        foreach (var text in urls)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url))
            {
                problems.Add($"verification URL {text} is not an absolute URL");
                continue;
            }
            var serviceName = url.Host.Split('.')[0];
            var service = manifests.Find("Service", serviceName);
            var runsAuth = service is not null && manifests.Containers.Any(c => !c.IsInit
                && Selects(KubernetesObject.Strings(Yaml.Mapping(service.Spec.Get("selector"))), c.Workload.PodLabels)
                && modulesOfRole(manifests.Role(c) ?? "").Contains("auth"));
            if (!runsAuth)
                problems.Add($"verification URL {text} names {serviceName}, which is no Service of an auth pod in the build");
            else
            {
                var expectedHost = $"{service!.Name}.{service.Namespace}.svc.cluster.local";
                if (url.Host != expectedHost && url.Host != $"{service.Name}.{service.Namespace}.svc")
                    problems.Add($"verification URL {text} names host {url.Host}, but Kong (in another namespace) reaches the auth Service as {expectedHost}");
                var servicePorts = Yaml.Sequence(service.Spec.Get("ports")).Select(Yaml.Mapping).Select(p => Yaml.Scalar(p.Get("port"))).ToList();
                if (!servicePorts.Contains(url.Port.ToString(CultureInfo.InvariantCulture)))
                    problems.Add($"verification URL {text} uses port {url.Port}, which Service {service.Name} does not expose");
            }
            if (url.AbsolutePath != verifyPath)
                problems.Add($"verification URL {text} calls {url.AbsolutePath}, but the Auth module verifies keys at {verifyPath}");
        }
        return problems;
    }

    /// <summary>
    /// Network policies: every Host pod is selected by a policy of both types with no rule (the default deny), and the
    /// rest open what the settings need: ingress on the container's port for the long-running ones, egress to the
    /// NATS port of <c>Bus__Nats__Url</c> and the collector's port of <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> when set,
    /// and to DNS.
    /// </summary>
    public static IReadOnlyList<string> NetworkPolicyProblems(KubernetesManifests manifests)
    {
        var problems = new List<string>();
        var policies = manifests.OfKind("NetworkPolicy").ToList();
        foreach (var container in manifests.HostContainers)
        {
            var labels = container.Workload.PodLabels;
            var applying = policies.Where(p => SelectsPod(Yaml.Mapping(p.Spec.Get("podSelector")), labels)).ToList();
            var denyAll = applying.Any(p => Types(p).SetEquals(["Ingress", "Egress"]) && p.Spec.Get("ingress") is null && p.Spec.Get("egress") is null);
            if (!denyAll)
                problems.Add($"{container.Id}: no default-deny NetworkPolicy (both types, no rule) selects its pod");
            var egressPorts = applying.Where(p => Types(p).Contains("Egress")).SelectMany(p => RulePorts(p.Spec.Get("egress"))).ToHashSet();
            var environment = manifests.EnvironmentOf(container);
            if (!egressPorts.Contains(53))
                problems.Add($"{container.Id}: no NetworkPolicy lets its pod resolve names (port 53)");
            foreach (var key in new[] { "Bus__Nats__Url", "OTEL_EXPORTER_OTLP_ENDPOINT" })
            {
                if (!environment.TryGetValue(key, out var text) || !Uri.TryCreate(text, UriKind.Absolute, out var url)) continue;
                if (!egressPorts.Contains(url.Port))
                    problems.Add($"{container.Id}: {key} is {text}, but no NetworkPolicy lets its pod reach port {url.Port}");
                // service.namespace.svc[.cluster.local]: the peer on that port must be that namespace (or any).
                var hostLabels = url.Host.Split('.');
                if (hostLabels.Length >= 3 && hostLabels[2] == "svc")
                {
                    var peerNamespaces = applying.Where(p => Types(p).Contains("Egress"))
                        .SelectMany(p => Yaml.Sequence(p.Spec.Get("egress")).Select(Yaml.Mapping))
                        .Where(r => RulePorts(r is null ? null : new List<object?> { r }).Contains(url.Port))
                        .SelectMany(r => PeerNamespaces(r.Get("to"))).ToList();
                    if (peerNamespaces.Count > 0 && !peerNamespaces.Contains(hostLabels[1]) && !peerNamespaces.Contains("*"))
                        problems.Add($"{container.Id}: {key} names namespace {hostLabels[1]}, but the NetworkPolicies open port {url.Port} only towards {string.Join(", ", peerNamespaces.Distinct())}");
                }
            }
            if (!container.IsInit && container.Workload.Kind == "Deployment")
            {
                var ingressPorts = applying.Where(p => Types(p).Contains("Ingress")).SelectMany(p => RulePorts(p.Spec.Get("ingress"))).ToHashSet();
                foreach (var port in container.Ports.Values.Distinct().Where(p => !ingressPorts.Contains(p)))
                    problems.Add($"{container.Id}: no NetworkPolicy lets traffic reach its port {port}");
            }
        }
        return problems;

        static HashSet<string> Types(KubernetesObject policy) =>
            Yaml.Sequence(policy.Spec.Get("policyTypes")).Select(Yaml.Scalar).OfType<string>().ToHashSet();

        // The namespaces a rule's peers lie in: a namespaceSelector by kubernetes.io/metadata.name, "*" for any other peer
        // (an ipBlock, an empty selector, a podSelector alone, which means the policy's own namespace).
        static IEnumerable<string> PeerNamespaces(object? peers) =>
            Yaml.Sequence(peers).Select(Yaml.Mapping).Select(peer =>
                Yaml.Scalar(Yaml.Mapping(Yaml.Mapping(peer.Get("namespaceSelector")).Get("matchLabels")).Get("kubernetes.io/metadata.name")) ?? "*");

        static IEnumerable<int> RulePorts(object? rules) =>
            Yaml.Sequence(rules).Select(Yaml.Mapping).SelectMany(r => Yaml.Sequence(r.Get("ports")).Select(Yaml.Mapping))
                .Select(p => int.TryParse(Yaml.Scalar(p.Get("port")), out var n) ? n : -1);
    }

    /// <summary>
    /// The NATS Helm values (kubernetes/nats/values.yaml) give what the issue and the Host need: a cluster of three
    /// servers, JetStream on file storage with a volume claim, the client port of every Host container's
    /// <c>Bus__Nats__Url</c>, and a user and password that come from the server's environment, filled from a Secret.
    /// </summary>
    public static IReadOnlyList<string> NatsValuesProblems(IReadOnlyDictionary<string, object?> values, KubernetesManifests manifests)
    {
        var problems = new List<string>();
        var config = Yaml.Mapping(values.Get("config"));
        var cluster = Yaml.Mapping(config.Get("cluster"));
        if (Yaml.Scalar(cluster.Get("enabled")) != "true" || Yaml.Scalar(cluster.Get("replicas")) != "3")
            problems.Add("the NATS values do not run a cluster of three servers (config.cluster.enabled, replicas: 3)");
        var jetStream = Yaml.Mapping(config.Get("jetstream"));
        var fileStore = Yaml.Mapping(jetStream.Get("fileStore"));
        if (Yaml.Scalar(jetStream.Get("enabled")) != "true" || Yaml.Scalar(fileStore.Get("enabled")) != "true"
            || Yaml.Scalar(Yaml.Mapping(fileStore.Get("pvc")).Get("enabled")) != "true")
            problems.Add("the NATS values do not keep JetStream on file storage with a volume claim (config.jetstream.fileStore)");
        var clientPort = Yaml.Scalar(Yaml.Mapping(config.Get("nats")).Get("port")) ?? "4222";
        foreach (var container in manifests.HostContainers)
        {
            if (manifests.EnvironmentOf(container).TryGetValue("Bus__Nats__Url", out var text) && Uri.TryCreate(text, UriKind.Absolute, out var url)
                && url.Port.ToString(CultureInfo.InvariantCulture) != clientPort)
                problems.Add($"{container.Id} connects to NATS on port {url.Port}, but the NATS values listen on {clientPort}");
        }
        var authorization = Yaml.Mapping(Yaml.Mapping(config.Get("merge")).Get("authorization"));
        var env = Yaml.Mapping(Yaml.Mapping(values.Get("container")).Get("env"));
        foreach (var field in new[] { "user", "password" })
        {
            var reference = Regex.Match(Yaml.Scalar(authorization.Get(field)) ?? "", @"^<<\s*\$(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*>>$");
            if (!reference.Success)
                problems.Add($"the NATS values do not take the client {field} from the environment (config.merge.authorization.{field}: << $VAR >>)");
            else if (Yaml.Mapping(Yaml.Mapping(Yaml.Mapping(env.Get(reference.Groups["name"].Value)).Get("valueFrom")).Get("secretKeyRef")) is null)
                problems.Add($"the NATS values do not fill ${reference.Groups["name"].Value} from a Secret (container.env)");
        }
        return problems;
    }

    /// <summary>
    /// The Kong Helm values (kubernetes/kong/values.yaml) load the apikey-auth plugin from the ConfigMap that
    /// kubernetes/kong builds (holding the plugin's handler.lua and schema.lua), declare the shared dict the handler
    /// caches in, switch tracing on for the opentelemetry KongPlugin, and serve the Ingress class the Ingress uses.
    /// </summary>
    public static IReadOnlyList<string> KongValuesProblems(
        IReadOnlyDictionary<string, object?> values, KubernetesManifests kongBuild, KubernetesManifests overlay, string cacheDictionary)
    {
        var problems = new List<string>();
        var entry = Yaml.Sequence(Yaml.Mapping(values.Get("plugins")).Get("configMaps")).Select(Yaml.Mapping)
            .FirstOrDefault(m => Yaml.Scalar(m.Get("pluginName")) == DeploymentRules.ApiKeyPluginName);
        if (entry is null)
            problems.Add($"the Kong values do not load the {DeploymentRules.ApiKeyPluginName} plugin from a ConfigMap (plugins.configMaps)");
        else
        {
            var name = Yaml.Scalar(entry.Get("name")) ?? "";
            var data = Yaml.Mapping(kongBuild.Find("ConfigMap", name)?.Root.Get("data"));
            if (data is null)
                problems.Add($"the Kong values load the plugin from ConfigMap {name}, which kubernetes/kong does not build");
            else if (!data.ContainsKey("handler.lua") || !data.ContainsKey("schema.lua"))
                problems.Add($"ConfigMap {name} lacks the plugin's handler.lua or schema.lua");
        }
        var env = KubernetesObject.Strings(Yaml.Mapping(values.Get("env")));
        if (!env.TryGetValue("nginx_http_lua_shared_dict", out var dictionaries) || !dictionaries.Split(' ').Contains(cacheDictionary))
            problems.Add($"the Kong values do not declare the shared dict {cacheDictionary} the plugin caches in (env.nginx_http_lua_shared_dict)");
        if (overlay.OfKind("KongPlugin").Any(p => Yaml.Scalar(p.Root.Get("plugin")) == "opentelemetry")
            && (!env.TryGetValue("tracing_instrumentations", out var tracing) || tracing is "" or "off"))
            problems.Add("the opentelemetry KongPlugin is attached, but the Kong values leave tracing_instrumentations off, so Kong records no span");
        var ingressClass = Yaml.Scalar(Yaml.Mapping(values.Get("ingressController")).Get("ingressClass")) ?? "kong";
        foreach (var ingress in overlay.OfKind("Ingress").Where(i => Yaml.Scalar(i.Spec.Get("ingressClassName")) != ingressClass))
            problems.Add($"Ingress {ingress.Name} has class {Yaml.Scalar(ingress.Spec.Get("ingressClassName"))}, but the Kong Ingress Controller serves {ingressClass}");
        return problems;
    }

    /// <summary>
    /// The JWT keys are files where the Auth module looks for them: every long-running container whose role runs the Auth
    /// module sets <c>Auth__Jwt__SigningKeyPath</c>, and it and every non-empty <c>Auth__Jwt__VerificationKeyPaths__N</c>
    /// lie in a read-only mount of a Secret volume; the files are readable by the pod's user through its group
    /// (<c>defaultMode</c> grants the group read, <c>fsGroup</c> is the user's group), not by everyone.
    /// </summary>
    public static IReadOnlyList<string> JwtKeyProblems(KubernetesManifests manifests, Func<string, IReadOnlyCollection<string>> modulesOfRole)
    {
        var problems = new List<string>();
        foreach (var container in Servers(manifests).Where(c => modulesOfRole(manifests.Role(c) ?? "").Contains("auth")))
        {
            var environment = manifests.EnvironmentOf(container);
            var paths = environment.Where(e => e.Key == "Auth__Jwt__SigningKeyPath" || e.Key.StartsWith("Auth__Jwt__VerificationKeyPaths__", StringComparison.Ordinal))
                .Where(e => e.Value.Length > 0).ToList();
            if (!paths.Any(p => p.Key == "Auth__Jwt__SigningKeyPath"))
                problems.Add($"{container.Id} runs the Auth module without Auth__Jwt__SigningKeyPath");
            var pod = container.Workload.PodSpec;
            var secretVolumes = Yaml.Sequence(pod.Get("volumes")).Select(Yaml.Mapping)
                .Where(v => Yaml.Mapping(v.Get("secret")) is not null)
                .ToDictionary(v => Yaml.Scalar(v.Get("name")) ?? "", v => Yaml.Mapping(v.Get("secret"))!);
            var mounts = Yaml.Sequence(container.Spec.Get("volumeMounts")).Select(Yaml.Mapping)
                .Where(m => secretVolumes.ContainsKey(Yaml.Scalar(m.Get("name")) ?? ""))
                .ToList();
            foreach (var (key, path) in paths)
            {
                var mount = mounts.FirstOrDefault(m => path.StartsWith((Yaml.Scalar(m.Get("mountPath")) ?? "").TrimEnd('/') + "/", StringComparison.Ordinal));
                if (mount is null)
                {
                    problems.Add($"{container.Id} sets {key}={path}, which is in no mounted Secret");
                    continue;
                }
                if (Yaml.Scalar(mount.Get("readOnly")) != "true")
                    problems.Add($"{container.Id} mounts the JWT keys writable");
                var secret = secretVolumes[Yaml.Scalar(mount.Get("name"))!];
                var mode = int.TryParse(Yaml.Scalar(secret.Get("defaultMode")), out var m) ? m : 420; // 0644, Kubernetes' default
                var context = Yaml.Mapping(pod.Get("securityContext"));
                if ((mode & 0b000_000_100) != 0)
                    problems.Add($"{container.Id}: the JWT key files are readable by every user (defaultMode {Convert.ToString(mode, 8)})");
                if ((mode & 0b000_100_000) == 0 || Yaml.Scalar(context.Get("fsGroup")) is not { } group || group != Yaml.Scalar(context.Get("runAsGroup")))
                    problems.Add($"{container.Id}: the JWT key files are not readable through the pod's group (defaultMode {Convert.ToString(mode, 8)}, fsGroup = runAsGroup)");
            }
        }
        return problems.Distinct().ToList();
    }

    /// <summary>The containers of long-running Host pods: the Deployments' non-init containers that set a role.</summary>
    private static IEnumerable<KubernetesContainer> Servers(KubernetesManifests manifests) =>
        manifests.HostContainers.Where(c => !c.IsInit && c.Workload.Kind == "Deployment");

    private static bool Selects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    /// <summary>A NetworkPolicy podSelector: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist); an
    /// empty selector selects every pod.</summary>
    private static bool SelectsPod(IReadOnlyDictionary<string, object?>? selector, IReadOnlyDictionary<string, string> labels)
    {
        var matchLabels = KubernetesObject.Strings(Yaml.Mapping(selector.Get("matchLabels")));
        if (!matchLabels.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value)) return false;
        foreach (var expression in Yaml.Sequence(selector.Get("matchExpressions")).Select(Yaml.Mapping))
        {
            var key = Yaml.Scalar(expression.Get("key")) ?? "";
            var values = Yaml.Sequence(expression.Get("values")).Select(Yaml.Scalar).ToHashSet();
            var has = labels.TryGetValue(key, out var value);
            var matches = Yaml.Scalar(expression.Get("operator")) switch
            {
                "In" => has && values.Contains(value),
                "NotIn" => !has || !values.Contains(value),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!matches) return false;
        }
        return true;
    }

    private static IEnumerable<(string Path, string PathType, (string Service, string Port) Backend)> IngressPaths(KubernetesObject ingress) =>
        Yaml.Sequence(ingress.Spec.Get("rules")).Select(Yaml.Mapping)
            .SelectMany(r => Yaml.Sequence(Yaml.Mapping(r.Get("http")).Get("paths")).Select(Yaml.Mapping))
            .Select(p =>
            {
                var service = Yaml.Mapping(Yaml.Mapping(p.Get("backend")).Get("service"));
                var port = Yaml.Mapping(service.Get("port"));
                return (Yaml.Scalar(p.Get("path")) ?? "", Yaml.Scalar(p.Get("pathType")) ?? "",
                    (Yaml.Scalar(service.Get("name")) ?? "", Yaml.Scalar(port.Get("name")) ?? Yaml.Scalar(port.Get("number")) ?? ""));
            });
}
