using Macha.Core.Knowledge;

namespace Macha.Tests.Knowledge;

public sealed class KnowledgeOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = new KnowledgeOptionsValidator().Validate(null, new KnowledgeOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("ChromaUrl", "ftp://chroma:8000")]
    [InlineData("Tenant", "a")]
    [InlineData("Database", "db with spaces")]
    [InlineData("EmbeddingModel", "")]
    [InlineData("RequestTimeout", "00:00:00")]
    [InlineData("MaxRetries", "11")]
    [InlineData("MaxResults", "0")]
    [InlineData("MinSimilarity", "NaN")]
    [InlineData("MinSimilarity", "1.5")]
    [InlineData("PromptTokens", "10")]
    [InlineData("ConfigRepository:Branch", "--upload-pack=x")]
    [InlineData("ConfigRepository:CredentialsFile", "relative/token")]
    [InlineData("ConfigRepository:SyncInterval", "00:00:10")]
    public void Validate_InvalidValue_NamesTheKey(string key, string value)
    {
        var options = new KnowledgeOptions { ConfigRepository = { Url = "https://git.example.org/configs.git" } };
        Set(options, key, value);

        var result = new KnowledgeOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"Macha:Knowledge:{key}", result.FailureMessage, StringComparison.Ordinal);
    }

    private static void Set(KnowledgeOptions options, string key, string value)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        switch (key)
        {
            case "ChromaUrl": options.ChromaUrl = new Uri(value); break;
            case "Tenant": options.Tenant = value; break;
            case "Database": options.Database = value; break;
            case "EmbeddingModel": options.EmbeddingModel = value; break;
            case "RequestTimeout": options.RequestTimeout = TimeSpan.Parse(value, invariant); break;
            case "MaxRetries": options.MaxRetries = int.Parse(value, invariant); break;
            case "MaxResults": options.MaxResults = int.Parse(value, invariant); break;
            case "MinSimilarity": options.MinSimilarity = double.Parse(value, invariant); break;
            case "PromptTokens": options.PromptTokens = int.Parse(value, invariant); break;
            case "ConfigRepository:Branch": options.ConfigRepository.Branch = value; break;
            case "ConfigRepository:CredentialsFile": options.ConfigRepository.CredentialsFile = value; break;
            case "ConfigRepository:SyncInterval": options.ConfigRepository.SyncInterval = TimeSpan.Parse(value, invariant); break;
            default: throw new ArgumentOutOfRangeException(nameof(key), key, null);
        }
    }
}
