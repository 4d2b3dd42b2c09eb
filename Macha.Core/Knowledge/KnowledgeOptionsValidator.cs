using Microsoft.Extensions.Options;

namespace Macha.Core.Knowledge;

/// <summary>Checks the knowledge settings at start; each message names the key to fix and the value found.</summary>
internal sealed class KnowledgeOptionsValidator : IValidateOptions<KnowledgeOptions>
{
    private const string Prefix = KnowledgeOptions.SectionName + ":";
    private const string RepositoryPrefix = Prefix + "ConfigRepository:";

    public ValidateOptionsResult Validate(string? name, KnowledgeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var failures = new List<string>();
        if (options.ChromaUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{Prefix}ChromaUrl must be an absolute http or https address such as http://127.0.0.1:8000, or empty to turn the knowledge base off; got '{url}'.");
        }

        if (!ChromaNames.IsValidTenantOrDatabase(options.Tenant))
        {
            failures.Add($"{Prefix}Tenant must be 3 to 63 letters, digits, '.', '_' or '-'; got '{options.Tenant}'.");
        }

        if (!ChromaNames.IsValidTenantOrDatabase(options.Database))
        {
            failures.Add($"{Prefix}Database must be 3 to 63 letters, digits, '.', '_' or '-'; got '{options.Database}'.");
        }

        if (string.IsNullOrWhiteSpace(options.EmbeddingModel) || options.EmbeddingModel.Any(char.IsWhiteSpace))
        {
            failures.Add($"{Prefix}EmbeddingModel must be a model name as Ollama lists it, such as nomic-embed-text, without spaces; got '{options.EmbeddingModel}'.");
        }

        if (options.RequestTimeout < TimeSpan.FromSeconds(1) || options.RequestTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{Prefix}RequestTimeout must be between 00:00:01 and 00:10:00; got {options.RequestTimeout}.");
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            failures.Add($"{Prefix}MaxRetries must be between 0 and 10; got {options.MaxRetries}.");
        }

        if (options.EmbeddingTimeout < TimeSpan.FromSeconds(1) || options.EmbeddingTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{Prefix}EmbeddingTimeout must be between 00:00:01 and 01:00:00; got {options.EmbeddingTimeout}.");
        }

        if (options.MaxResults is < 1 or > 50)
        {
            failures.Add($"{Prefix}MaxResults must be between 1 and 50; got {options.MaxResults}.");
        }

        // Written so that NaN, which fails every comparison, is rejected too.
        if (!(options.MinSimilarity >= -1 && options.MinSimilarity <= 1))
        {
            failures.Add($"{Prefix}MinSimilarity must be between -1 and 1 (1 minus the cosine distance); got {options.MinSimilarity}.");
        }

        if (options.PromptTokens is < 100 or > 100_000)
        {
            failures.Add($"{Prefix}PromptTokens must be between 100 and 100000; got {options.PromptTokens}.");
        }

        ValidateRepository(options.ConfigRepository, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateRepository(ConfigRepositoryOptions repository, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(repository.Url))
        {
            return;
        }

        if (repository.Url.StartsWith('-') || repository.Url.Any(char.IsControl))
        {
            failures.Add($"{RepositoryPrefix}Url must be a clone address such as https://git.example.org/nixos-configs.git; got a value that starts with '-' or contains control characters.");
        }
        else if (Uri.TryCreate(repository.Url, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo) && uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            // The address is logged and passed to git as an argument; a password in it would leak.
            failures.Add($"{RepositoryPrefix}Url must not contain a password; put the password or token in the file named by {RepositoryPrefix}CredentialsFile.");
        }

        if (string.IsNullOrWhiteSpace(repository.Branch) || repository.Branch.StartsWith('-') || repository.Branch.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || repository.Branch.Contains("..", StringComparison.Ordinal))
        {
            failures.Add($"{RepositoryPrefix}Branch must be a branch name such as main; got '{repository.Branch}'.");
        }

        if (repository.Username is { } user && (user.Any(char.IsControl) || user.Contains(':', StringComparison.Ordinal)))
        {
            failures.Add($"{RepositoryPrefix}Username must not contain ':' or control characters.");
        }

        if (repository.CredentialsFile is { } file && !Path.IsPathFullyQualified(file))
        {
            failures.Add($"{RepositoryPrefix}CredentialsFile must be an absolute path; got '{file}'.");
        }

        if (repository.SyncInterval < TimeSpan.FromMinutes(1) || repository.SyncInterval > TimeSpan.FromDays(7))
        {
            failures.Add($"{RepositoryPrefix}SyncInterval must be between 00:01:00 and 7.00:00:00; got {repository.SyncInterval}.");
        }

        if (repository.GitTimeout < TimeSpan.FromSeconds(5) || repository.GitTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{RepositoryPrefix}GitTimeout must be between 00:00:05 and 01:00:00; got {repository.GitTimeout}.");
        }
    }
}
