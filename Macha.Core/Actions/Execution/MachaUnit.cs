using Macha.Core.Hosts;

namespace Macha.Core.Actions.Execution;

/// <summary>
/// Finds the systemd service that Macha itself runs in, and whether a NixOS activation would
/// restart it. A restart of that unit in the middle of a rebuild would stop the pipeline before its
/// checks and its rollback decision, and would kill the activation itself, which runs in the unit's
/// control group.
/// </summary>
internal static class MachaUnit
{
    private const string CgroupPath = "/proc/self/cgroup";
    private const int MaxUnitFileBytes = 64 * 1024;

    /// <summary>
    /// Returns Macha's own service unit when <paramref name="shell"/> runs commands on the machine
    /// Macha runs on, or null for a remote host or when Macha does not run as a service.
    /// </summary>
    public static string? Of(IHostShell shell)
    {
        if (shell is not LocalProcessShell)
        {
            return null;
        }

        try
        {
            return FromCgroup(File.ReadAllText(CgroupPath));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No /proc, as outside Linux: there is no systemd unit to restart either.
            return null;
        }
    }

    /// <summary>
    /// Reads the service unit from the text of <c>/proc/self/cgroup</c>, such as
    /// <c>0::/system.slice/macha-autonomous.service</c>; null when the process is in no service.
    /// </summary>
    public static string? FromCgroup(string cgroupText)
    {
        ArgumentNullException.ThrowIfNull(cgroupText);

        foreach (var line in cgroupText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            // "hierarchy:controllers:path". The unified hierarchy (cgroup v2) is 0 with no
            // controllers; under cgroup v1 the systemd hierarchy is named name=systemd.
            var parts = line.Split(':', 3);
            if (parts.Length != 3 || !((parts[0] == "0" && parts[1].Length == 0) || parts[1] == "name=systemd"))
            {
                continue;
            }

            // A service may have sub-groups of its own, so the innermost .service segment is taken.
            var unit = parts[2].Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(segment => segment.EndsWith(".service", StringComparison.Ordinal));
            if (unit is not null && ActionArguments.CheckUnit(unit, restartable: false) is null)
            {
                return unit;
            }
        }

        return null;
    }

    /// <summary>
    /// Returns whether a unit file marks the unit as not restarted by NixOS activation: NixOS writes
    /// <c>X-RestartIfChanged=false</c> into it for <c>restartIfChanged = false</c>, and
    /// switch-to-configuration then leaves the running unit alone.
    /// </summary>
    /// <remarks>
    /// NOTE: the marker's spelling comes from nixpkgs' unit generation and switch-to-configuration,
    /// not from a unit file captured on a real host; this machine has no NixOS to check it on.
    /// </remarks>
    public static bool IsKeptAcrossActivation(string unitFileText)
    {
        ArgumentNullException.ThrowIfNull(unitFileText);

        return unitFileText
            .Split('\n', StringSplitOptions.TrimEntries)
            .Select(line => line.Split('=', 2))
            .Any(pair => pair.Length == 2
                && pair[0].Trim() == "X-RestartIfChanged"
                && pair[1].Trim().ToLowerInvariant() is "false" or "no" or "0" or "off");
    }

    /// <summary>Reads the unit file of <paramref name="unit"/> on the host, or returns why it could not.</summary>
    public static async Task<(string? Text, string? Error, ExecutedCommand Command)> ReadUnitFileAsync(
        IHostShell shell, string unit, CancellationToken cancellationToken)
    {
        var request = new CommandRequest("systemctl", ["show", "--property=FragmentPath", "--", unit], TimeSpan.FromSeconds(30), 4096);
        var result = await shell.RunAsync(request, cancellationToken).ConfigureAwait(false);
        var command = ExecutedCommand.From(request, result);
        var path = result.StandardOutput.Trim() is var line && line.StartsWith("FragmentPath=", StringComparison.Ordinal)
            ? line["FragmentPath=".Length..]
            : string.Empty;
        if (!result.Succeeded || !path.StartsWith('/'))
        {
            return (null, $"could not find the unit file of {unit}: {result.Describe(request.DisplayText)}", command);
        }

        var file = await shell.ReadFileAsync(path, MaxUnitFileBytes, cancellationToken).ConfigureAwait(false);
        return file.Exists ? (file.Content, null, command) : (null, $"could not read {path}: {file.Error}", command);
    }
}
