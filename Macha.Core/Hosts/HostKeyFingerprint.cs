namespace Macha.Core.Hosts;

/// <summary>
/// A host key's SHA-256 fingerprint in the form <c>ssh-keygen -lf</c> prints:
/// <c>SHA256:</c> followed by the unpadded base64 of the 32-byte digest.
/// </summary>
public static class HostKeyFingerprint
{
    public const string Prefix = "SHA256:";

    /// <summary>
    /// Returns the fingerprint in canonical form (prefix, no base64 padding), or null when
    /// <paramref name="text"/> is not a SHA-256 fingerprint. Base64 is case-sensitive, so the digest
    /// part keeps its case; only the prefix is matched without case.
    /// </summary>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        if (!trimmed.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var digest = trimmed[Prefix.Length..].TrimEnd('=');
        if (digest.Length != 43)
        {
            return null;
        }

        Span<byte> bytes = stackalloc byte[33];
        return Convert.TryFromBase64String(digest + "=", bytes, out var written) && written == 32
            ? Prefix + digest
            : null;
    }

    /// <summary>Builds the canonical fingerprint from SSH.NET's value, which has no prefix.</summary>
    public static string FromDigestBase64(string digestBase64) => Prefix + digestBase64.TrimEnd('=');
}
