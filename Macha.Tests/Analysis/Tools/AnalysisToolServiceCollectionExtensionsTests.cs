using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Analysis.Tools;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Analysis.Tools;

public sealed class AnalysisToolServiceCollectionExtensionsTests
{
    [Fact]
    public void AddMachaAnalysis_Defaults_RegistersEveryToolOnce()
    {
        using var provider = BuildProvider([]);

        var names = provider.GetServices<IAnalysisTool>().Select(tool => tool.Name).Order(StringComparer.Ordinal);

        Assert.Equal(
            ["connectivity_check", "disk_usage", "fetch_output", "journal_search", "nixos_generations", "read_file", "top_processes", "unit_logs", "unit_status"],
            names);
    }

    [Fact]
    public void AddMachaAnalysis_EveryTool_DeclaresClosedObjectSchema()
    {
        using var provider = BuildProvider([]);

        foreach (var tool in provider.GetServices<IAnalysisTool>())
        {
            Assert.Equal(JsonValueKind.False, tool.ParameterSchema.GetProperty("additionalProperties").ValueKind);
        }
    }

    [Fact]
    public void AddMachaAnalysis_ConfiguredRoots_ReplaceDefaults()
    {
        using var provider = BuildProvider(new Dictionary<string, string?> { ["Macha:Analysis:Tools:ReadFileRoots:0"] = "/etc/nginx" });

        var options = provider.GetRequiredService<IOptions<AnalysisToolOptions>>().Value;

        Assert.Equal(["/etc/nginx"], options.EffectiveReadFileRoots);
        Assert.Equal(AnalysisToolOptions.DefaultDiskUsageRoots, options.EffectiveDiskUsageRoots);
    }

    [Fact]
    public void AddMachaAnalysis_ConfiguredDenyPattern_IsAddedToDefaults()
    {
        using var provider = BuildProvider(new Dictionary<string, string?> { ["Macha:Analysis:Tools:ReadFileDenyPatterns:0"] = "*.conf" });

        var patterns = provider.GetRequiredService<IOptions<AnalysisToolOptions>>().Value.ReadFileDenyPatterns;

        Assert.Contains("*.conf", patterns);
        Assert.Contains("/etc/shadow*", patterns);
    }

    [Theory]
    [InlineData("Macha:Analysis:Tools:ReadFileRoots:0", "etc", "Macha:Analysis:Tools:ReadFileRoots:0 must be absolute")]
    [InlineData("Macha:Analysis:Tools:ReadFileRoots:0", "/proc/sys", "Macha:Analysis:Tools:ReadFileRoots:0 must not be /proc")]
    [InlineData("Macha:Analysis:Tools:DiskUsageRoots:0", "/", "Macha:Analysis:Tools:DiskUsageRoots:0 must not be /proc")]
    [InlineData("Macha:Analysis:Tools:DiskUsageRoots:0", "/nix", "Macha:Analysis:Tools:DiskUsageRoots must not contain /nix/store")]
    [InlineData("Macha:Analysis:Tools:DiskUsageRoots:0", "/var/../etc", "Macha:Analysis:Tools:DiskUsageRoots:0 must not contain '..'")]
    [InlineData("Macha:Analysis:Tools:ReadFileDenyPatterns:0", " ", "Macha:Analysis:Tools:ReadFileDenyPatterns:12 must be a non-empty pattern")]
    public void AddMachaAnalysis_InvalidSetting_FailsNamingKey(string key, string value, string expectedText)
    {
        using var provider = BuildProvider(new Dictionary<string, string?> { [key] = value });

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AnalysisToolOptions>>().Value);

        Assert.Contains(expectedText, exception.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider BuildProvider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddMachaAnalysis(configuration);
        return services.BuildServiceProvider();
    }
}
