using System.Collections.Frozen;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Macha.Core.Storage.Audit;

/// <summary>
/// Masks secrets as <c>***</c> before text leaves the process for a file. It masks the values of
/// keys named like a secret (token, password, secret, key, authorization, cookie, credential),
/// Authorization and Cookie headers, bearer tokens, JWTs, <c>name=value</c> pairs whose name is a
/// secret word, passwords in URLs (<c>scheme://user:password@</c>), and every registered known
/// secret value wherever it appears.
/// </summary>
/// <remarks>
/// Pattern matching is a safety net, not a guarantee: a secret with no telling name or shape, such
/// as a bare password in free text, is masked only once it is registered with
/// <see cref="AddKnownSecret"/>.
/// </remarks>
public sealed partial class SecretRedactor
{
    public const string Mask = "***";

    /// <summary>Shortest known secret accepted; a shorter one would mask ordinary words everywhere.</summary>
    public const int MinKnownSecretLength = 4;

    // Whole words of a key name, after splitting snake_case, kebab-case and camelCase. "tokens" is
    // left out on purpose: it names model token counts (max_prompt_tokens), which are not secrets.
    private static readonly FrozenSet<string> SecretWords = new[]
    {
        "token", "password", "passwords", "passwd", "pwd", "passphrase", "secret", "secrets",
        "key", "keys", "apikey", "privatekey", "authorization", "cookie", "cookies", "credential", "credentials",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private readonly Lock _gate = new();
    private string[] _knownSecrets = [];

    /// <summary>
    /// Registers a secret value, such as a token read from a file, to be masked wherever it appears.
    /// Surrounding whitespace is ignored.
    /// </summary>
    /// <exception cref="ArgumentException">The value is shorter than <see cref="MinKnownSecretLength"/> characters.</exception>
    public void AddKnownSecret(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        secret = secret.Trim();
        if (secret.Length < MinKnownSecretLength)
        {
            throw new ArgumentException(
                $"A known secret must have at least {MinKnownSecretLength} characters, because a shorter one would mask ordinary text; this one has {secret.Length}.",
                nameof(secret));
        }

        lock (_gate)
        {
            if (_knownSecrets.Contains(secret, StringComparer.Ordinal))
            {
                return;
            }

            // Longest first, so a secret that contains another is masked whole.
            _knownSecrets = [.. _knownSecrets.Append(secret).OrderByDescending(s => s.Length)];
        }
    }

    /// <summary>Returns true when a key with this name contains a secret, such as "api_key", "X-Gotify-Key" or "accessToken".</summary>
    public static bool IsSecretName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return NameWordPattern().Matches(name).Any(word => SecretWords.Contains(word.Value));
    }

    /// <summary>Returns the text with every secret it recognizes replaced by <see cref="Mask"/>.</summary>
    public string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        foreach (var secret in Volatile.Read(ref _knownSecrets))
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        text = HeaderPattern().Replace(text, m => m.Groups["name"].Value + m.Groups["sep"].Value + m.Groups["scheme"].Value + Mask);
        text = BearerPattern().Replace(text, m => m.Groups["word"].Value + " " + Mask);
        text = JwtPattern().Replace(text, Mask);
        text = UrlPasswordPattern().Replace(text, m => m.Groups["prefix"].Value + Mask + "@");
        text = NamedValuePattern().Replace(text, m => m.Groups["name"].Value + m.Groups["sep"].Value + Mask);
        text = FlagValuePattern().Replace(text, m => m.Groups["name"].Value + m.Groups["sep"].Value + Mask);
        return text;
    }

    /// <summary>
    /// Returns a copy of the node with every string redacted and every value under a secret-named
    /// key, of any JSON type except null, replaced by <see cref="Mask"/>.
    /// </summary>
    public JsonNode? Redact(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => RedactObject(obj),
        JsonArray array => new JsonArray([.. array.Select(Redact)]),
        JsonValue value when value.TryGetValue<string>(out var text) => JsonValue.Create(Redact(text)),
        _ => node.DeepClone(),
    };

    public JsonObject RedactObject(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);

        var copy = new JsonObject();
        foreach (var (name, value) in obj)
        {
            copy[name] = value is not null && IsSecretName(name) ? JsonValue.Create(Mask) : Redact(value);
        }

        return copy;
    }

    // Words of a key name: "X-Gotify-Key" gives X, Gotify, Key; "accessToken" gives access, Token;
    // "APIKey" gives API, Key; "APIKEY" stays one word, which the set lists as "apikey".
    [GeneratedRegex("[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")]
    private static partial Regex NameWordPattern();

    // "Authorization: Bearer abc", "Proxy-Authorization=Basic abc", "Cookie: a=b; c=d",
    // "Set-Cookie: ..." and "X-Gotify-Key: abc". Cookies are masked to the end of the line.
    [GeneratedRegex(
        @"(?<name>\b(?:proxy-)?authorization)(?<sep>\s*[:=]\s*)(?<scheme>(?:bearer|basic|digest|token|negotiate)\s+)?[^\s,;""']+" +
        @"|(?<name>\b(?:set-)?cookie)(?<sep>\s*:\s*)[^\r\n]+" +
        @"|(?<name>\bx-[a-z0-9-]*(?:key|token|secret))(?<sep>\s*:\s*)[^\s,;""']+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex HeaderPattern();

    // At least 8 token characters, so that "the bearer of bad news" stays as it is.
    [GeneratedRegex(@"(?<word>\bbearer)\s+(?!\*\*\*)[A-Za-z0-9\-._~+/]{8,}=*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerPattern();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")]
    private static partial Regex JwtPattern();

    // scheme://user:password@host keeps the scheme and the user; the user may be empty (redis://:pw@).
    [GeneratedRegex(@"(?<prefix>\b[a-z][a-z0-9+.\-]*://[^\s/:@]*:)[^\s/@]+@", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UrlPasswordPattern();

    // password=x, gotify_token: "x" and ?api_key=x&... A secret word directly followed by a letter
    // ("tokens: 812") does not match, and neither does a bare "key" ("primary key: id"), while
    // "ssh_key=" and "api-key=" do.
    [GeneratedRegex(
        @"(?<name>(?<![A-Za-z0-9])[A-Za-z0-9_\-]*?(?:password|passwd|passphrase|secret|token|credential|apikey|[_\-]key)(?![A-Za-z]))" +
        @"(?<sep>\s*[=:]\s*)(?!\*\*\*)(?:""[^""]*""|'[^']*'|[^\s,;&""']+)",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NamedValuePattern();

    // Command-line flags: --password x, -token x, --client-secret x.
    [GeneratedRegex(
        @"(?<name>(?<![A-Za-z0-9\-])--?[A-Za-z0-9\-]*(?:password|passwd|passphrase|secret|token|key))(?<sep>\s+)(?!\*\*\*)(?!-)[^\s]+",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex FlagValuePattern();
}
