using Microsoft.Extensions.Options;

namespace Macha.Web.Security;

/// <summary>Checks the authentication settings at start; each message names the key to fix.</summary>
internal sealed class MachaAuthenticationOptionsValidator : IValidateOptions<MachaAuthenticationOptions>
{
    public ValidateOptionsResult Validate(string? name, MachaAuthenticationOptions options)
    {
        var errors = new List<string>();
        CheckPath(options.UsersFile, nameof(options.UsersFile), errors);
        CheckPath(options.TokensFile, nameof(options.TokensFile), errors);
        if (options.SignInAttemptsPerWindow is < 1 or > 1000)
        {
            errors.Add($"{MachaAuthenticationOptions.SectionName}:SignInAttemptsPerWindow must be between 1 and 1000; got {options.SignInAttemptsPerWindow}.");
        }

        if (options.SignInWindow < TimeSpan.FromSeconds(1) || options.SignInWindow > TimeSpan.FromDays(1))
        {
            errors.Add($"{MachaAuthenticationOptions.SectionName}:SignInWindow must be between 00:00:01 and 1.00:00:00; got {options.SignInWindow}.");
        }

        if (options.SessionLifetime < TimeSpan.FromMinutes(1) || options.SessionLifetime > TimeSpan.FromDays(365))
        {
            errors.Add($"{MachaAuthenticationOptions.SectionName}:SessionLifetime must be between 00:01:00 and 365.00:00:00; got {options.SessionLifetime}.");
        }

        foreach (var (proxy, index) in options.KnownProxies.Select((proxy, index) => (proxy, index)))
        {
            if (!KnownProxies.TryParse(proxy, out _))
            {
                errors.Add($"{MachaAuthenticationOptions.SectionName}:KnownProxies:{index} must be an IP address such as 192.0.2.10 "
                    + $"or a network such as 192.0.2.0/24; got '{proxy}'.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckPath(string path, string key, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }

        if (CredentialPaths.TryExpand(path, out _, out var error))
        {
            return;
        }

        errors.Add($"{MachaAuthenticationOptions.SectionName}:{key} {error}");
    }
}
