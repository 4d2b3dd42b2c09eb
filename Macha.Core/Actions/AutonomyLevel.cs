namespace Macha.Core.Actions;

/// <summary>How much Macha may do without a person's approval. See <see cref="AutonomyPolicy"/> for the full table.</summary>
public enum AutonomyLevel
{
    /// <summary>Nothing runs, and proposals are recorded and shown.</summary>
    Observe,

    /// <summary>Every action waits for approval, except read-only diagnostics.</summary>
    Suggest,

    /// <summary>Low-risk actions run, and everything else waits for approval.</summary>
    AutoSafe,

    /// <summary>Low- and medium-risk actions run, and high-risk actions wait for approval.</summary>
    AutoFull,
}
