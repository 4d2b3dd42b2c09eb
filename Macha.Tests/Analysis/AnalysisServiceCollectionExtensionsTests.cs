using Macha.Core.Analysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Analysis;

public sealed class AnalysisServiceCollectionExtensionsTests
{
    [Fact]
    public void AddMachaAnalysis_Defaults_RegistersOneSharedQueue()
    {
        using var provider = BuildProvider([]);

        var first = provider.GetRequiredService<IModelRequestQueue>();
        var second = provider.GetRequiredService<IModelRequestQueue>();

        Assert.IsType<ModelRequestQueue>(first);
        Assert.Same(first, second);
    }

    [Fact]
    public void AddMachaAnalysis_ConfiguredConcurrency_ReachesTheQueue()
    {
        using var provider = BuildProvider(new Dictionary<string, string?> { ["Macha:Analysis:MaxConcurrentRequests"] = "2" });

        var state = provider.GetRequiredService<IModelRequestQueue>().GetState();

        Assert.Equal(2, state.MaxConcurrent);
    }

    [Fact]
    public void AddMachaAnalysis_InvalidValue_FailsValidation()
    {
        using var provider = BuildProvider(new Dictionary<string, string?> { ["Macha:Analysis:MaxConcurrentRequests"] = "0" });

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AnalysisOptions>>().Value);

        Assert.Contains("Macha:Analysis:MaxConcurrentRequests", exception.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider BuildProvider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddMachaAnalysis(configuration);
        return services.BuildServiceProvider();
    }
}
