using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace GoMicro.Architecture.Tests.Deployment;

/// <summary>
/// Untyped YAML access for the compose and Kong files: mappings become dictionaries, sequences lists, scalars
/// strings. Merge keys (<c>&lt;&lt;: *anchor</c>) are applied, as Docker Compose applies them.
/// </summary>
internal static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    public static IReadOnlyDictionary<string, object?> ParseMapping(string yaml)
    {
        using var reader = new StringReader(yaml);
        var document = Deserializer.Deserialize<object?>(new MergingParser(new Parser(reader)));
        return Mapping(document) ?? throw new InvalidDataException("the YAML document is not a mapping");
    }

    /// <summary>The node as a mapping with string keys, or null when it is not a mapping.</summary>
    public static IReadOnlyDictionary<string, object?>? Mapping(object? node) => node switch
    {
        IReadOnlyDictionary<string, object?> converted => converted,
        IDictionary<object, object?> map => map.ToDictionary(entry => Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture)!, entry => entry.Value),
        _ => null,
    };

    /// <summary>The node as a sequence; empty when it is not one.</summary>
    public static IReadOnlyList<object?> Sequence(object? node) => node is IList<object?> list ? list.ToList() : [];

    public static string? Scalar(object? node) => node as string;

    public static object? Get(this IReadOnlyDictionary<string, object?>? map, string key) =>
        map is not null && map.TryGetValue(key, out var value) ? value : null;
}
