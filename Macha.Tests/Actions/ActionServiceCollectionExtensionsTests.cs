using Macha.Core.Actions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Actions;

public sealed class ActionServiceCollectionExtensionsTests
{
    [Fact]
    public void AddMachaActions_Defaults_ResolvesPolicies()
    {
        using var provider = BuildProvider([]);

        Assert.NotNull(provider.GetRequiredService<AutonomyPolicy>());
        Assert.Same(provider.GetRequiredService<ActionRateLimiter>(), provider.GetRequiredService<ActionRateLimiter>());
    }

    [Fact]
    public void AddMachaActions_ConfiguredSection_IsBound()
    {
        using var provider = BuildProvider(new()
        {
            ["Macha:Actions:AutonomyLevel"] = "AutoSafe",
            ["Macha:Actions:ProtectedUnits:0"] = "postgresql",
            ["Macha:Actions:RiskOverrides:restart_unit"] = "Medium",
        });

        var targets = provider.GetRequiredService<ProtectedTargets>();
        var options = provider.GetRequiredService<IOptions<ActionOptions>>().Value;

        Assert.Equal(AutonomyLevel.AutoSafe, options.AutonomyLevel);
        Assert.True(targets.IsProtected("postgresql.service"));
        Assert.Equal(ActionRisk.Medium, options.RiskOverrides["restart_unit"]);
    }

    [Fact]
    public void AddMachaActions_InvalidSection_FailsNamingTheKey()
    {
        using var provider = BuildProvider(new() { ["Macha:Actions:RestartLimitPerUnit"] = "-3" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<ActionOptions>>().Value);

        Assert.Contains("Macha:Actions:RestartLimitPerUnit", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider BuildProvider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddMachaActions(configuration).BuildServiceProvider();
    }
}
