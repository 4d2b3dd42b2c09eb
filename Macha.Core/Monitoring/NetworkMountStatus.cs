namespace Macha.Core.Monitoring;

public enum NetworkMountState
{
    /// <summary>stat -f returned its figures in time; the mount is also listed in the filesystems.</summary>
    Responsive,

    /// <summary>stat -f timed out or failed with an error such as a stale file handle.</summary>
    Unresponsive,

    /// <summary>The probe could not run or its output could not be parsed, so the mount state is unknown.</summary>
    NotChecked,
}

/// <summary>One network filesystem from the mount table and the outcome of probing it with stat -f.</summary>
/// <param name="Detail">Why the mount is unresponsive or was not checked; null when it responded.</param>
public sealed record NetworkMountStatus(
    string MountPoint,
    string Source,
    string FilesystemType,
    NetworkMountState State,
    string? Detail = null);
