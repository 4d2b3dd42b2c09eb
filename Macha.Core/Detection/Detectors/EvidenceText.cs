using System.Globalization;
using System.Text;

namespace Macha.Core.Detection.Detectors;

/// <summary>
/// Evidence of a finding as one line of <c>key=value</c> pairs, in the order added. A value that
/// contains whitespace, a quote or an equals sign is quoted, so the line splits back into pairs.
/// </summary>
internal sealed class EvidenceText
{
    private readonly StringBuilder _text = new();

    public EvidenceText Add(string key, string? value)
    {
        if (value is null)
        {
            return this;
        }

        if (_text.Length > 0)
        {
            _text.Append(' ');
        }

        _text.Append(key).Append('=');
        if (value.Length == 0 || value.Any(c => char.IsWhiteSpace(c) || c is '"' or '='))
        {
            _text.Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }
        else
        {
            _text.Append(value);
        }

        return this;
    }

    public EvidenceText Add(string key, long value) => Add(key, value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Adds a percentage with one decimal and a percent sign, such as <c>used=96.3%</c>.</summary>
    public EvidenceText AddPercent(string key, double percent) =>
        Add(key, percent.ToString("0.0", CultureInfo.InvariantCulture) + "%");

    public EvidenceText AddBytes(string key, long bytes) => Add(key, Quantities.Bytes(bytes).Replace(" ", "", StringComparison.Ordinal));

    public override string ToString() => _text.ToString();
}
