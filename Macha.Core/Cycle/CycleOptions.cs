namespace Macha.Core.Cycle;

/// <summary>How the health cycle visits hosts; bound from the <c>Macha:Cycle</c> section.</summary>
public sealed class CycleOptions
{
    public const string SectionName = "Macha:Cycle";

    /// <summary>Most hosts collected at the same time.</summary>
    public int MaxParallelHosts { get; set; } = 4;
}
