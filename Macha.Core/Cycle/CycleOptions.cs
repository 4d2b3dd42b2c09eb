namespace Macha.Core.Cycle;

/// <summary>How the health cycle visits hosts; bound from the <c>Macha:Cycle</c> section.</summary>
public sealed class CycleOptions
{
    public const string SectionName = "Macha:Cycle";

    /// <summary>
    /// Most hosts collected at the same time. A host's collection mostly waits for its commands, so
    /// the default covers a fleet of a few dozen hosts in one or two rounds.
    /// </summary>
    public int MaxParallelHosts { get; set; } = 32;
}
