using Macha.Core.Analysis;
using Microsoft.Extensions.Configuration;

namespace Macha.Tests.Analysis;

public sealed class AnalysisOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = new AnalysisOptionsValidator().Validate(null, new AnalysisOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("MaxConcurrentRequests", "0")]
    [InlineData("MaxConcurrentRequests", "17")]
    [InlineData("RequestTimeout", "00:00:00")]
    [InlineData("RequestTimeout", "-00:00:01")]
    [InlineData("RequestTimeout", "01:00:01")]
    [InlineData("PriorityAging", "00:00:00")]
    [InlineData("PriorityAging", "-00:01:00")]
    [InlineData("ContextTokens", "2047")]
    [InlineData("ContextTokens", "1048577")]
    [InlineData("Temperature", "-0.1")]
    [InlineData("Temperature", "2.1")]
    [InlineData("Temperature", "NaN")]
    [InlineData("MaxToolRounds", "-1")]
    [InlineData("MaxToolRounds", "21")]
    [InlineData("Model", " ")]
    [InlineData("Model", "qwen3 8b")]
    [InlineData("OllamaUrl", "ftp://127.0.0.1:11434/")]
    [InlineData("OllamaUrl", "/api")]
    public void Validate_InvalidValue_FailsNamingTheKey(string key, string value)
    {
        var options = Bind(key, value);

        var result = new AnalysisOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.Contains($"Macha:Analysis:{key}", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MaxConcurrentRequests", "1")]
    [InlineData("MaxConcurrentRequests", "16")]
    [InlineData("RequestTimeout", "00:00:01")]
    [InlineData("RequestTimeout", "01:00:00")]
    [InlineData("PriorityAging", "00:00:01")]
    [InlineData("ContextTokens", "2048")]
    [InlineData("ContextTokens", "1048576")]
    [InlineData("Temperature", "0")]
    [InlineData("Temperature", "2")]
    [InlineData("MaxToolRounds", "0")]
    [InlineData("MaxToolRounds", "20")]
    [InlineData("Model", "hf.co/unsloth/Qwen3-8B-GGUF:Q4_K_M")]
    [InlineData("OllamaUrl", "https://gpu.example:11434/")]
    public void Validate_BoundaryValue_Succeeds(string key, string value)
    {
        var options = Bind(key, value);

        var result = new AnalysisOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_MissingOllamaUrl_FailsNamingTheKey()
    {
        var options = new AnalysisOptions { OllamaUrl = null! };

        var result = new AnalysisOptionsValidator().Validate(null, options);

        Assert.Contains("Macha:Analysis:OllamaUrl", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InvalidValue_MessageShowsTheValueFound()
    {
        var options = new AnalysisOptions { MaxConcurrentRequests = 40 };

        var result = new AnalysisOptionsValidator().Validate(null, options);

        Assert.Contains("got 40", result.FailureMessage, StringComparison.Ordinal);
    }

    private static AnalysisOptions Bind(string key, string value)
    {
        // Binding from configuration parses the values as an appsettings file or environment variable would.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"{AnalysisOptions.SectionName}:{key}"] = value })
            .Build();
        var options = new AnalysisOptions();
        configuration.GetSection(AnalysisOptions.SectionName).Bind(options);
        return options;
    }
}
