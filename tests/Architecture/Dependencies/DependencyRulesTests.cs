namespace GoMicro.Architecture.Tests.Dependencies;

/// <summary>The rules over every product project, plus the checks that they actually look at the product.</summary>
public sealed class DependencyRulesTests
{
    private static readonly Lazy<IReadOnlyList<Component>> Product = new(Component.LoadProduct);

    internal static readonly string[] RuleNames =
    [
        nameof(DependencyRules.SharedReferencesNoModuleAndNoHost),
        nameof(DependencyRules.ModuleReferencesNoOtherModuleAndNoHost),
        nameof(DependencyRules.ContractsDependOnNeitherEfCoreNorAspNetCore),
        nameof(DependencyRules.NoPublicDbContext),
    ];

    public static TheoryData<string> Rules => new(RuleNames);

    internal static Func<Component, IEnumerable<string>> Rule(string name) => name switch
    {
        nameof(DependencyRules.SharedReferencesNoModuleAndNoHost) => DependencyRules.SharedReferencesNoModuleAndNoHost,
        nameof(DependencyRules.ModuleReferencesNoOtherModuleAndNoHost) => DependencyRules.ModuleReferencesNoOtherModuleAndNoHost,
        nameof(DependencyRules.ContractsDependOnNeitherEfCoreNorAspNetCore) => DependencyRules.ContractsDependOnNeitherEfCoreNorAspNetCore,
        nameof(DependencyRules.NoPublicDbContext) => DependencyRules.NoPublicDbContext,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Every_product_project_obeys_the_rule(string rule)
    {
        var violations = Product.Value.SelectMany(Rule(rule)).ToArray();
        Assert.True(violations.Length == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void The_rules_see_every_module_the_shared_projects_and_the_host()
    {
        var names = Product.Value.Select(c => c.Name).ToArray();
        Assert.Contains("GoMicro.Host", names);
        Assert.Contains("GoMicro.Shared.Contracts", names);
        Assert.Contains(names, n => n.StartsWith("GoMicro.Shared.", StringComparison.Ordinal) && n != "GoMicro.Shared.Contracts");
        foreach (var module in GoMicro.Host.Modules.ModuleCatalog.All)
            Assert.Contains(module.GetType().Assembly.GetName().Name, names);
    }

    [Fact]
    public void Each_module_has_its_dbcontext_and_it_is_internal()
    {
        // Guards the DbContext rule against looking at the wrong thing: the contexts exist, they are just not public.
        foreach (var module in GoMicro.Host.Modules.ModuleCatalog.All)
        {
            var contexts = module.GetType().Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Microsoft.EntityFrameworkCore.DbContext))).ToArray();
            Assert.NotEmpty(contexts);
            Assert.All(contexts, c => Assert.False(c.IsPublic || c.IsNestedPublic, $"{c.FullName} is public"));
        }
    }
}
