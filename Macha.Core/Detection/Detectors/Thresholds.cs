namespace Macha.Core.Detection.Detectors;

internal static class Thresholds
{
    /// <summary>
    /// Returns Critical at or above <paramref name="critical"/>, Warning at or above
    /// <paramref name="warning"/>, otherwise null.
    /// </summary>
    public static Severity? SeverityOf(double value, double warning, double critical)
    {
        if (value >= critical)
        {
            return Severity.Critical;
        }

        return value >= warning ? Severity.Warning : null;
    }
}
