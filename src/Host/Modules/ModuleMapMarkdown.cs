using System.Text;
using GoMicro.Shared.Modularity;

namespace GoMicro.Host.Modules;

/// <summary>
/// Renders a <see cref="ModuleMap"/> as docs/modules.md: a Mermaid diagram of modules, subjects and events, then each
/// module's routes and bus subjects. The monolith's map covers every module; a test compares the file with what the
/// running monolith answers on <c>GET /modules</c>, so the document cannot drift from the code.
/// </summary>
public static class ModuleMapMarkdown
{
    /// <summary>The document for <paramref name="map"/>, with <c>\n</c> line ends.</summary>
    public static string Render(ModuleMap map)
    {
        var md = new StringBuilder();
        md.Append("# Module map\n\n");
        md.Append("Generated from the code: this is what `GET /modules` answers in the `").Append(map.Role)
          .Append("` role (on in Development; elsewhere set `GoMicro:ModuleMap=true`). A test fails when the file is stale; ")
          .Append("to rewrite it, run the module map tests with `GOMICRO_WRITE_DOCS=1`.\n\n");
        md.Append("Request subjects point from the caller to the subject to the module that serves it; events from the ")
          .Append("publisher to the subject to each consumer. The Auth client runs in every role with modules.\n\n");

        md.Append("```mermaid\nflowchart LR\n");
        var parts = map.Modules.Select(m => (Id: Id("module", m.Name), Label: $"{m.Name} module<br/>{m.RoutePrefix}", m.Bus))
            .Append((Id: "auth_client", Label: "Auth client", Bus: map.AuthClient)).ToArray();
        foreach (var (id, label, _) in parts) md.Append("  ").Append(id).Append("[\"").Append(label).Append("\"]\n");
        var requests = parts.SelectMany(p => p.Bus.Serves.Concat(p.Bus.Calls)).Distinct().Order(StringComparer.Ordinal);
        foreach (var subject in requests) md.Append("  ").Append(Id("subject", subject)).Append("([\"").Append(subject).Append("\"])\n");
        var events = parts.SelectMany(p => p.Bus.Publishes.Concat(p.Bus.Consumes)).Distinct().Order(StringComparer.Ordinal);
        foreach (var subject in events) md.Append("  ").Append(Id("event", subject)).Append("{{\"").Append(subject).Append("\"}}\n");
        foreach (var (id, _, bus) in parts)
        {
            foreach (var s in bus.Calls) md.Append("  ").Append(id).Append(" -->|calls| ").Append(Id("subject", s)).Append('\n');
            foreach (var s in bus.Serves) md.Append("  ").Append(Id("subject", s)).Append(" -->|served by| ").Append(id).Append('\n');
            foreach (var s in bus.Publishes) md.Append("  ").Append(id).Append(" -->|publishes| ").Append(Id("event", s)).Append('\n');
            foreach (var s in bus.Consumes) md.Append("  ").Append(Id("event", s)).Append(" -->|consumed by| ").Append(id).Append('\n');
        }
        md.Append("```\n");

        foreach (var module in map.Modules)
        {
            md.Append("\n## ").Append(module.Name).Append(" (`").Append(module.RoutePrefix).Append("`)\n\n");
            md.Append("Routes:\n\n");
            foreach (var route in module.Routes) md.Append("- `").Append(route).Append("`\n");
            Traffic(md, module.Bus);
        }
        md.Append("\n## Auth client\n\nAPI-key check, Bearer authentication and role policies, asking the Auth module over the bus.\n");
        Traffic(md, map.AuthClient);
        return md.ToString();
    }

    private static void Traffic(StringBuilder md, BusTraffic bus)
    {
        md.Append('\n');
        Line(md, "Serves", bus.Serves);
        Line(md, "Calls", bus.Calls);
        Line(md, "Publishes", bus.Publishes);
        Line(md, "Consumes", bus.Consumes);
    }

    private static void Line(StringBuilder md, string label, IReadOnlyList<string> subjects) =>
        md.Append("- ").Append(label).Append(": ")
          .Append(subjects.Count == 0 ? "nothing" : string.Join(", ", subjects.Select(s => $"`{s}`"))).Append('\n');

    /// <summary>A Mermaid node id: letters, digits and underscores only.</summary>
    private static string Id(string kind, string name) =>
        kind + "_" + new string(name.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
}
