using System.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>One object of a built manifest, as untyped YAML (mappings, sequences, string scalars).</summary>
internal sealed record KubernetesObject(IReadOnlyDictionary<string, object?> Root)
{
    public string ApiVersion => Yaml.Scalar(Root.Get("apiVersion")) ?? "";

    public string Kind => Yaml.Scalar(Root.Get("kind")) ?? "";

    public IReadOnlyDictionary<string, object?>? Metadata => Yaml.Mapping(Root.Get("metadata"));

    public string Name => Yaml.Scalar(Metadata.Get("name")) ?? "";

    public string? Namespace => Yaml.Scalar(Metadata.Get("namespace"));

    public IReadOnlyDictionary<string, object?>? Spec => Yaml.Mapping(Root.Get("spec"));

    public string Id => $"{Kind}/{Name}";

    /// <summary>The pod template's spec of a Deployment or Job; null for other kinds.</summary>
    public IReadOnlyDictionary<string, object?>? PodSpec =>
        Kind is "Deployment" or "Job" ? Yaml.Mapping(Yaml.Mapping(Spec.Get("template")).Get("spec")) : null;

    /// <summary>The pod template's labels of a Deployment or Job.</summary>
    public IReadOnlyDictionary<string, string> PodLabels =>
        Strings(Yaml.Mapping(Yaml.Mapping(Yaml.Mapping(Spec.Get("template")).Get("metadata")).Get("labels")));

    public static IReadOnlyDictionary<string, string> Strings(IReadOnlyDictionary<string, object?>? map) =>
        map?.ToDictionary(e => e.Key, e => Yaml.Scalar(e.Value) ?? "") ?? new Dictionary<string, string>();
}

/// <summary>A container of a Deployment's or Job's pod (an init container too), with the workload it belongs to.</summary>
internal sealed record KubernetesContainer(KubernetesObject Workload, IReadOnlyDictionary<string, object?> Spec, bool IsInit)
{
    public string Name => Yaml.Scalar(Spec.Get("name")) ?? "";

    public string Image => Yaml.Scalar(Spec.Get("image")) ?? "";

    public string Id => $"{Workload.Id} {(IsInit ? "init container" : "container")} {Name}";

    public IReadOnlyList<string> Args => Yaml.Sequence(Spec.Get("args")).Select(Yaml.Scalar).OfType<string>().ToList();

    /// <summary>The entries of <c>env</c>: name, literal value (null when it comes from <c>valueFrom</c>), and whether
    /// the value comes from the downward API (<c>fieldRef</c>).</summary>
    public IReadOnlyList<(string Name, string? Value, bool FromField)> Env =>
        Yaml.Sequence(Spec.Get("env")).Select(Yaml.Mapping).OfType<IReadOnlyDictionary<string, object?>>()
            .Select(e => (Yaml.Scalar(e.Get("name")) ?? "", Yaml.Scalar(e.Get("value")),
                Yaml.Mapping(Yaml.Mapping(e.Get("valueFrom")).Get("fieldRef")) is not null))
            .ToList();

    /// <summary>The names of the ConfigMaps of <c>envFrom</c>.</summary>
    public IReadOnlyList<string> EnvFromConfigMaps =>
        Yaml.Sequence(Spec.Get("envFrom")).Select(Yaml.Mapping)
            .Select(e => Yaml.Scalar(Yaml.Mapping(e.Get("configMapRef")).Get("name"))).OfType<string>().ToList();

    /// <summary>The named ports: name (or the number as text) → container port.</summary>
    public IReadOnlyDictionary<string, int> Ports =>
        Yaml.Sequence(Spec.Get("ports")).Select(Yaml.Mapping).OfType<IReadOnlyDictionary<string, object?>>()
            .Where(p => int.TryParse(Yaml.Scalar(p.Get("containerPort")), out _))
            .SelectMany(p =>
            {
                var port = int.Parse(Yaml.Scalar(p.Get("containerPort"))!, System.Globalization.CultureInfo.InvariantCulture);
                var keys = new List<string> { port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                if (Yaml.Scalar(p.Get("name")) is { } name) keys.Add(name);
                return keys.Select(k => (k, port));
            })
            .DistinctBy(p => p.k)
            .ToDictionary(p => p.k, p => p.port);

    public IReadOnlyDictionary<string, object?>? Probe(string kind) => Yaml.Mapping(Spec.Get(kind));
}

/// <summary>
/// The objects one kustomization builds to, read from <c>kubectl kustomize</c>'s output: what <c>kubectl apply -k</c>
/// would send, after generators, patches and name suffixes. The environment variable KUBECTL overrides the command.
/// </summary>
internal sealed class KubernetesManifests(IReadOnlyList<KubernetesObject> objects)
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    public IReadOnlyList<KubernetesObject> Objects { get; } = objects;

    public IEnumerable<KubernetesObject> OfKind(string kind) => Objects.Where(o => o.Kind == kind);

    public KubernetesObject? Find(string kind, string name) => Objects.FirstOrDefault(o => o.Kind == kind && o.Name == name);

    /// <summary>Every container (init containers too) of the Deployments and Jobs.</summary>
    public IEnumerable<KubernetesContainer> Containers =>
        Objects.Where(o => o.PodSpec is not null).SelectMany(o =>
            Yaml.Sequence(o.PodSpec.Get("initContainers")).Select(Yaml.Mapping).OfType<IReadOnlyDictionary<string, object?>>().Select(c => new KubernetesContainer(o, c, true))
                .Concat(Yaml.Sequence(o.PodSpec.Get("containers")).Select(Yaml.Mapping).OfType<IReadOnlyDictionary<string, object?>>().Select(c => new KubernetesContainer(o, c, false))));

    /// <summary>Containers that run the Host: they set <c>GoMicro__Role</c>.</summary>
    public IEnumerable<KubernetesContainer> HostContainers => Containers.Where(c => Role(c) is not null);

    /// <summary>The role a container runs (<c>GoMicro__Role</c> from env or an envFrom ConfigMap), or null.</summary>
    public string? Role(KubernetesContainer container) =>
        EnvironmentOf(container).TryGetValue("GoMicro__Role", out var role) ? role : null;

    /// <summary>
    /// Every variable the container gets, with its literal value (empty when it comes from a Secret or the downward
    /// API): the keys of its envFrom ConfigMaps first, then <c>env</c>, which wins as in Kubernetes.
    /// </summary>
    public IReadOnlyDictionary<string, string> EnvironmentOf(KubernetesContainer container)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in container.EnvFromConfigMaps)
        {
            foreach (var (key, value) in KubernetesObject.Strings(Yaml.Mapping(Find("ConfigMap", name)?.Root.Get("data"))))
                environment[key] = value;
        }
        foreach (var (name, value, _) in container.Env)
            environment[name] = value ?? "";
        return environment;
    }

    /// <summary>Builds <paramref name="kustomizationDirectory"/> (absolute, or relative to the repository root).</summary>
    /// <exception cref="InvalidOperationException">kubectl is missing or the build fails; the message says which.</exception>
    public static KubernetesManifests Build(string kustomizationDirectory) => Parse(Kustomize(kustomizationDirectory));

    /// <summary>The text <c>kubectl kustomize</c> prints for <paramref name="kustomizationDirectory"/>.</summary>
    /// <exception cref="InvalidOperationException">kubectl is missing or the build fails; the message says which.</exception>
    public static string Kustomize(string kustomizationDirectory)
    {
        var kubectl = Environment.GetEnvironmentVariable("KUBECTL") is { Length: > 0 } configured ? configured : "kubectl";
        var directory = System.IO.Path.IsPathRooted(kustomizationDirectory) ? kustomizationDirectory : RepositoryFiles.Path(kustomizationDirectory);
        var start = new ProcessStartInfo(kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(directory);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {kubectl}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"'{kubectl}' cannot be run ({ex.Message}): these tests need kubectl 1.32 or later (with kustomize 5.5) on PATH, or KUBECTL naming it", ex);
        }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0
                ? output
                : throw new InvalidOperationException($"kubectl kustomize {kustomizationDirectory} failed ({process.ExitCode}): {error.Result}");
        }
    }

    /// <summary>Parses a multi-document YAML stream, as <c>kubectl kustomize</c> prints it.</summary>
    public static KubernetesManifests Parse(string yaml)
    {
        var objects = new List<KubernetesObject>();
        var parser = new Parser(new StringReader(yaml));
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (Yaml.Mapping(Deserializer.Deserialize<object?>(parser)) is { } root)
                objects.Add(new KubernetesObject(root));
        }
        return new KubernetesManifests(objects);
    }
}
