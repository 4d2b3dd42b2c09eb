namespace Macha.Core.Hosts;

/// <summary>
/// What a person gives when confirming a host: the key fingerprint to pin and, for a discovered
/// host only, how Macha reaches it. Null or blank fields keep the host's current value.
/// </summary>
/// <param name="Fingerprint">SHA-256 host-key fingerprint to pin, as <c>ssh-keygen -lf</c> prints it.</param>
/// <param name="Address">DNS name or IP address to connect to.</param>
/// <param name="Port">SSH port.</param>
/// <param name="User">Login user.</param>
/// <param name="PrivateKeyFile">Absolute path of the private key offered to this host only.</param>
public sealed record HostConfirmation(
    string? Fingerprint,
    string? Address = null,
    int? Port = null,
    string? User = null,
    string? PrivateKeyFile = null)
{
    /// <summary>Whether the confirmation sets any of address, port, user or key file.</summary>
    public bool SetsConnection =>
        !string.IsNullOrWhiteSpace(Address) || Port is not null || !string.IsNullOrWhiteSpace(User) || !string.IsNullOrWhiteSpace(PrivateKeyFile);

    /// <summary>The names of the connection fields this confirmation sets, as the properties of this record name them.</summary>
    public IReadOnlyList<string> ConnectionFields()
    {
        var fields = new List<string>();
        if (!string.IsNullOrWhiteSpace(Address))
        {
            fields.Add(nameof(Address));
        }

        if (Port is not null)
        {
            fields.Add(nameof(Port));
        }

        if (!string.IsNullOrWhiteSpace(User))
        {
            fields.Add(nameof(User));
        }

        if (!string.IsNullOrWhiteSpace(PrivateKeyFile))
        {
            fields.Add(nameof(PrivateKeyFile));
        }

        return fields;
    }

    /// <summary>
    /// Checks the fields this confirmation sets with the rules of <see cref="HostDefinitionValidator"/>,
    /// which POST /api/hosts also applies, and that a given key file exists. Returns one error per
    /// problem, each naming its field; fields left empty are not checked.
    /// </summary>
    public IReadOnlyList<HostDefinitionError> Validate(string hostName, HostsOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);

        var errors = new List<HostDefinitionError>();
        if (!string.IsNullOrWhiteSpace(Fingerprint) && HostKeyFingerprint.Normalize(Fingerprint) is null)
        {
            errors.Add(new HostDefinitionError(nameof(Fingerprint),
                $"'{Fingerprint}' is not a SHA-256 host-key fingerprint; give it as ssh-keygen -lf prints it, such as SHA256:abc…"));
        }

        var fields = ConnectionFields();
        if (fields.Count == 0)
        {
            return errors;
        }

        // The validator checks a whole definition; only the errors of the fields given here count.
        var definition = new HostDefinition(hostName, Address, Port, User, PrivateKeyFile, null, null, null);
        errors.AddRange(HostDefinitionValidator.ValidateFields(definition, defaults).Where(error => fields.Contains(error.Field)));

        if (!string.IsNullOrWhiteSpace(PrivateKeyFile)
            && Path.IsPathFullyQualified(PrivateKeyFile)
            && !File.Exists(PrivateKeyFile))
        {
            errors.Add(new HostDefinitionError(nameof(PrivateKeyFile),
                $"PrivateKeyFile '{PrivateKeyFile}' does not exist or Macha cannot see it; create the key first and give its absolute path."));
        }

        return errors;
    }
}
