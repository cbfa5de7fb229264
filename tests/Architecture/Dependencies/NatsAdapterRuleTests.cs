using Mono.Cecil;
using Mono.Cecil.Cil;

namespace GoMicro.Architecture.Tests.Dependencies;

/// <summary>
/// NATS.Client (0.8.0, a substitute for NATS.Net) is used by one class only, <c>NatsConnection</c>, so that the swap to
/// NATS.Net rewrites one file: no other project depends on the library, and no other type of the NATS transport names
/// any of its types or members (lambdas and async state machines of the adapter count as the adapter).
/// </summary>
public sealed class NatsAdapterRuleTests
{
    private const string Library = "NATS.Client";
    private const string TransportAssembly = "GoMicro.Shared.Bus.Nats";
    private const string Adapter = "GoMicro.Shared.Bus.Nats.NatsConnection";

    [Fact]
    public void Only_the_nats_transport_project_depends_on_the_nats_client_library()
    {
        var product = Component.LoadProduct();

        var users = product.Where(c => c.Dependencies.Contains(Library)).Select(c => c.Name).ToArray();

        Assert.Equal([TransportAssembly], users);
    }

    [Fact]
    public void Inside_the_nats_transport_only_the_adapter_uses_the_nats_client_library()
    {
        var transport = Path.Combine(AppContext.BaseDirectory, TransportAssembly + ".dll");

        var violations = TypesUsingLibraryOutside(transport, Adapter);

        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
        // The scan sees the real use: with no type exempt, the adapter itself is reported.
        Assert.Contains(TypesUsingLibraryOutside(transport, "none"), v => v.StartsWith(Adapter + " uses NATS.Client.", StringComparison.Ordinal));
    }

    [Fact]
    public void A_type_beside_the_adapter_that_uses_the_library_is_reported()
    {
        var path = BuildCanary();

        var violations = TypesUsingLibraryOutside(path, "Canary.Adapter");

        Assert.Equal(["Canary.Elsewhere uses NATS.Client.IConnection"], violations);
    }

    /// <summary>Every type of the assembly at <paramref name="assemblyPath"/>, outside <paramref name="adapter"/> and its
    /// nested types, that names a type or member of the library in its base types, fields, signatures or method bodies.</summary>
    private static List<string> TypesUsingLibraryOutside(string assemblyPath, string adapter)
    {
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath);
        var violations = new List<string>();
        foreach (var type in assembly.MainModule.Types.SelectMany(Nested))
        {
            if (Outermost(type).FullName == adapter) continue;
            var used = UsedTypes(type).FirstOrDefault(IsLibraryType);
            if (used is not null) violations.Add($"{type.FullName} uses {used.GetElementType().FullName}");
        }
        return violations;
    }

    private static IEnumerable<TypeReference> UsedTypes(TypeDefinition type)
    {
        if (type.BaseType is not null) yield return type.BaseType;
        foreach (var contract in type.Interfaces) yield return contract.InterfaceType;
        foreach (var field in type.Fields) yield return field.FieldType;
        foreach (var property in type.Properties) yield return property.PropertyType;
        foreach (var method in type.Methods)
        {
            yield return method.ReturnType;
            foreach (var parameter in method.Parameters) yield return parameter.ParameterType;
            if (!method.HasBody) continue;
            foreach (var variable in method.Body.Variables) yield return variable.VariableType;
            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference operandType:
                        yield return operandType;
                        break;
                    case MemberReference member:
                        yield return member.DeclaringType;
                        break;
                }
            }
        }
    }

    private static bool IsLibraryType(TypeReference type) => type switch
    {
        GenericInstanceType generic => IsLibraryType(generic.ElementType) || generic.GenericArguments.Any(IsLibraryType),
        TypeSpecification specification => IsLibraryType(specification.ElementType),
        _ => type.Scope?.Name == Library,
    };

    private static IEnumerable<TypeDefinition> Nested(TypeDefinition type) => type.NestedTypes.SelectMany(Nested).Prepend(type);

    private static TypeDefinition Outermost(TypeDefinition type) => type.DeclaringType is null ? type : Outermost(type.DeclaringType);

    /// <summary>An assembly with an adapter and a second type that both hold a field of a library type.</summary>
    private static string BuildCanary()
    {
        var assembly = AssemblyDefinition.CreateAssembly(new AssemblyNameDefinition("Canary", new Version(1, 0)), "Canary", ModuleKind.Dll);
        var module = assembly.MainModule;
        var library = new AssemblyNameReference(Library, new Version(0, 8));
        module.AssemblyReferences.Add(library);
        var connection = new TypeReference("NATS.Client", "IConnection", module, library);
        foreach (var name in new[] { "Adapter", "Elsewhere" })
        {
            var type = new TypeDefinition("Canary", name, TypeAttributes.Public | TypeAttributes.Class, module.TypeSystem.Object);
            type.Fields.Add(new FieldDefinition("_connection", FieldAttributes.Private, connection));
            var method = new MethodDefinition("Run", MethodAttributes.Public, module.TypeSystem.Void);
            method.Body.GetILProcessor().Emit(OpCodes.Ret);
            type.Methods.Add(method);
            module.Types.Add(type);
        }
        var path = Path.Combine(Path.GetTempPath(), $"gomicro-nats-canary-{Guid.NewGuid():N}.dll");
        assembly.Write(path);
        return path;
    }
}
