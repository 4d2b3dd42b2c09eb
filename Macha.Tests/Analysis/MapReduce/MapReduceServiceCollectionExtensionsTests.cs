using Macha.Core;
using Macha.Core.Analysis;
using Macha.Core.Analysis.MapReduce;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Analysis.MapReduce;

public sealed class MapReduceServiceCollectionExtensionsTests
{
    [Fact]
    public void AddMachaAnalysis_Defaults_RegistersReducerAndOneCache()
    {
        using var provider = BuildProvider([]);

        var reducer = provider.GetRequiredService<OutputReducer>();
        var cache = provider.GetRequiredService<LargeOutputCache>();

        Assert.NotNull(reducer);
        Assert.Same(cache, provider.GetRequiredService<LargeOutputCache>());
    }

    [Fact]
    public void AddMachaMapReduce_ConfiguredLimit_ReachesOptions()
    {
        using var provider = BuildProvider(new Dictionary<string, string?> { ["Macha:Analysis:MapReduce:MaxModelCalls"] = "7" });

        var options = provider.GetRequiredService<IOptions<MapReduceOptions>>().Value;

        Assert.Equal(7, options.MaxModelCalls);
    }

    [Theory]
    [InlineData("MaxModelCalls", "0")]
    [InlineData("AnswerTokens", "10")]
    [InlineData("CacheMaxAge", "00:00:01")]
    [InlineData("CacheMaxTotalBytes", "1000")]
    [InlineData("CacheMaxEntryBytes", "1073741824")]
    public void AddMachaMapReduce_InvalidValue_FailsValidationNamingKey(string key, string value)
    {
        using var provider = BuildProvider(new Dictionary<string, string?> { ["Macha:Analysis:MapReduce:" + key] = value });

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<MapReduceOptions>>().Value);

        Assert.Contains("Macha:Analysis:MapReduce:" + key, exception.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider BuildProvider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddMachaCore(configuration);
        services.AddMachaAnalysis(configuration);
        return services.BuildServiceProvider();
    }
}
