namespace Macha.Core.Monitoring;

public enum CollectorState
{
    /// <summary>Collected everything it looks for.</summary>
    Ok,

    /// <summary>Collected some data; <see cref="CollectorStatus.Detail"/> says what is missing.</summary>
    Partial,

    /// <summary>Cannot run on this host (tool missing, no systemd as PID 1); not a fault of the host.</summary>
    Unavailable,

    /// <summary>Ran and failed: a command failed or its output could not be parsed.</summary>
    Failed,

    /// <summary>Did not finish within its time limit and was abandoned.</summary>
    TimedOut,

    /// <summary>Does not apply to this host's distribution, such as NixOS generations on Debian; not a fault.</summary>
    NotApplicable,
}

/// <summary>How one collector fared in one cycle.</summary>
/// <param name="FirstBytes">Start of the output that could not be parsed, for the person debugging it.</param>
public sealed record CollectorStatus(
    string Name,
    CollectorState State,
    string? Detail,
    double ElapsedMs,
    string? FirstBytes = null)
{
    /// <summary>Longest excerpt of unparsable output kept in a status.</summary>
    public const int MaxFirstBytes = 200;

    public static string Excerpt(string output)
    {
        var excerpt = output.Length > MaxFirstBytes ? output[..MaxFirstBytes] : output;
        return new string(excerpt.Select(c => char.IsControl(c) && c != '\n' ? '?' : c).ToArray());
    }
}
