using System.Text.RegularExpressions;
using Macha.Core.Actions;
using Macha.Core.Configuration;
using Microsoft.Extensions.Options;

namespace Macha.Core.Hosts;

/// <summary>Checks <c>Macha:Hosts</c> at start; each message names the key to fix.</summary>
internal sealed class HostsOptionsValidator(IOptions<MachaOptions> machaOptions) : IValidateOptions<HostsOptions>
{
    public ValidateOptionsResult Validate(string? name, HostsOptions options)
    {
        var errors = new List<string>();
        var localName = machaOptions.Value.ResolveLocalHostName();
        RequireRange(errors, "ConnectTimeout", options.ConnectTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        RequireRange(errors, "KeepAliveInterval", options.KeepAliveInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        RequireRange(errors, "ConnectionIdleTimeout", options.ConnectionIdleTimeout, TimeSpan.FromSeconds(10), TimeSpan.FromDays(1));
        RequireRange(errors, "RetryDelay", options.RetryDelay, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        RequireRange(errors, "AuthenticationFailureBackoff", options.AuthenticationFailureBackoff, TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));
        if (options.AuthenticationFailureMaxBackoff < options.AuthenticationFailureBackoff)
        {
            errors.Add($"Macha:Hosts:AuthenticationFailureMaxBackoff must be at least Macha:Hosts:AuthenticationFailureBackoff ({options.AuthenticationFailureBackoff}); got {options.AuthenticationFailureMaxBackoff}.");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultUser))
        {
            errors.Add("Macha:Hosts:DefaultUser must not be empty; set the login user for remote hosts.");
        }

        RequireRange(errors, "Discovery:Interval", options.Discovery.Interval, TimeSpan.FromMinutes(1), TimeSpan.FromDays(7));
        RequireRange(errors, "Discovery:CommandTimeout", options.Discovery.CommandTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30));

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Remote.Count; i++)
        {
            var host = options.Remote[i];
            var key = $"Macha:Hosts:Remote:{i}";
            if (string.Equals(host.Name, localName, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}:Name '{host.Name}' is the name of the host Macha runs on (Macha:LocalHostName, or the machine name when that is empty); give the remote host another name.");
            }

            if (!names.Add(host.Name))
            {
                errors.Add($"{key}:Name '{host.Name}' is used by another remote host; names must be unique.");
            }

            var definition = new HostDefinition(
                host.Name, host.Address, host.Port, host.User, host.PrivateKeyFile, host.HostKeyFingerprints, host.Tags, host.AutonomyLevel);
            errors.AddRange(HostDefinitionValidator.Validate(definition, options).Select(error => $"{key}: {error}"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireRange(List<string> errors, string key, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add($"Macha:Hosts:{key} must be between {min} and {max}; got {value}.");
        }
    }
}

/// <summary>Checks one host's settings, from configuration or from a person through the API.</summary>
public static partial class HostDefinitionValidator
{
    /// <summary>Returns whether <paramref name="name"/> is a DNS-style host name: letters, digits, '-', '_' and dots, at most 253 characters.</summary>
    public static bool IsValidHostName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= 253 && HostNamePattern().IsMatch(name);

    /// <summary>Returns one message per problem; empty when the definition is valid.</summary>
    public static IReadOnlyList<string> Validate(HostDefinition definition, HostsOptions defaults) =>
        ValidateFields(definition, defaults).Select(error => error.Message).ToList();

    /// <summary>Returns one error per problem, each naming the field it concerns; empty when the definition is valid.</summary>
    public static IReadOnlyList<HostDefinitionError> ValidateFields(HostDefinition definition, HostsOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(defaults);

        var errors = new List<HostDefinitionError>();
        if (!IsValidHostName(definition.Name))
        {
            errors.Add(new HostDefinitionError(nameof(HostDefinition.Name), $"Name '{definition.Name}' is not a valid host name; use letters, digits, '-', '_' and dots."));
        }

        if (!string.IsNullOrWhiteSpace(definition.Address) && !IsValidAddress(definition.Address))
        {
            errors.Add(new HostDefinitionError(nameof(HostDefinition.Address), $"Address '{definition.Address}' is not a host name or the IP address of a single host."));
        }

        if (definition.Port is { } port && (port < 1 || port > 65535))
        {
            errors.Add(new HostDefinitionError(nameof(HostDefinition.Port), $"Port must be between 1 and 65535; got {port}."));
        }

        if (!string.IsNullOrWhiteSpace(definition.User) && !UserPattern().IsMatch(definition.User))
        {
            errors.Add(new HostDefinitionError(nameof(HostDefinition.User), $"User '{definition.User}' is not a valid login name."));
        }

        var keyFile = string.IsNullOrWhiteSpace(definition.PrivateKeyFile) ? defaults.DefaultPrivateKeyFile : definition.PrivateKeyFile;
        if (string.IsNullOrWhiteSpace(keyFile))
        {
            errors.Add(new HostDefinitionError(nameof(HostDefinition.PrivateKeyFile), "PrivateKeyFile is empty and Macha:Hosts:DefaultPrivateKeyFile is not set; give the private key Macha offers to this host."));
        }
        else if (!Path.IsPathFullyQualified(keyFile))
        {
            errors.Add(new HostDefinitionError(nameof(HostDefinition.PrivateKeyFile), $"PrivateKeyFile '{keyFile}' must be an absolute path."));
        }

        foreach (var fingerprint in definition.HostKeyFingerprints ?? [])
        {
            if (HostKeyFingerprint.Normalize(fingerprint) is null)
            {
                errors.Add(new HostDefinitionError(nameof(HostDefinition.HostKeyFingerprints), $"HostKeyFingerprints contains '{fingerprint}', which is not a SHA-256 fingerprint; copy it from ssh-keygen -lf (SHA256:…)."));
            }
        }

        foreach (var tag in definition.Tags ?? [])
        {
            if (string.IsNullOrWhiteSpace(tag) || tag.Length > 64)
            {
                errors.Add(new HostDefinitionError(nameof(HostDefinition.Tags), $"Tags contains '{tag}'; a tag must be 1 to 64 characters."));
            }
        }

        if (definition.AutonomyLevel is { } level && !Enum.IsDefined(level))
        {
            errors.Add(new HostDefinitionError(nameof(HostDefinition.AutonomyLevel), $"AutonomyLevel {level} is not one of {string.Join(", ", Enum.GetNames<AutonomyLevel>())}."));
        }

        return errors;
    }

    // An unspecified or multicast address names no single host, so SSH cannot reach a host by it.
    private static bool IsValidAddress(string address) =>
        System.Net.IPAddress.TryParse(address, out var ip)
            ? !ip.Equals(System.Net.IPAddress.Any) && !ip.Equals(System.Net.IPAddress.IPv6Any) && !ip.IsIPv6Multicast
                && !(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && ip.GetAddressBytes()[0] >= 224)
            : IsValidHostName(address);

    // \z, not $: in .NET, $ also matches before a final newline, which would let "web-1\n" through.
    [GeneratedRegex(@"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?\z")]
    private static partial Regex HostNamePattern();

    [GeneratedRegex(@"^[a-z_][a-z0-9_.-]{0,31}\z")]
    private static partial Regex UserPattern();
}

/// <summary>One problem with a host definition.</summary>
/// <param name="Field">The <see cref="HostDefinition"/> property the problem concerns, such as <c>Port</c>.</param>
public sealed record HostDefinitionError(string Field, string Message);
