using System.Globalization;
using System.Text.RegularExpressions;

namespace Macha.Core.Monitoring.Parsers;

/// <summary>
/// Sorts the output of <c>nixos-rebuild</c> (switch, boot, test, dry-build), or its journal under
/// <c>nixos-upgrade.service</c>, into causes and consequences. Never throws.
/// </summary>
/// <remarks>
/// It reads the messages of Nix 2.3 ("builder for '…' failed with exit code N", "cannot build
/// derivation '…': N dependencies couldn't be built") and of Nix 2.4 and later ("error: N
/// dependencies of derivation '…' failed to build", "> " log lines, "For full logs, run"), the Perl
/// and the Rust switch-to-configuration ("Error: …" then "Caused by:"), and the evaluation trace of
/// Nix 2.13 and later, whose innermost "error:" is the message that matters.
/// NOTE: errors of the activation step are recognised by a few known forms only; a new message form
/// of switch-to-configuration leaves <see cref="NixosRebuildReport.Errors"/> empty.
/// </remarks>
internal static partial class NixosRebuildOutputParser
{
    private const int MaxLogTailLines = 20;

    private const string FailedUnitsPrefix = "warning: the following units failed: ";
    private const string SwitchErrorsWarning = "warning: error(s) occurred while switching";

    // Messages of network and binary cache failures; other errors before the build are evaluation errors.
    private static readonly string[] FetchFailureMarkers =
    [
        "unable to download",
        "Couldn't resolve host",
        "Could not resolve host",
        "Failed to connect to",
        "Connection timed out",
    ];

    public static NixosRebuildReport Parse(string output)
    {
        var state = new ParseState();
        foreach (var rawLine in (output ?? string.Empty).Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (state.InUnitStatus && !line.StartsWith(SwitchErrorsWarning, StringComparison.Ordinal) && !line.StartsWith("error:", StringComparison.Ordinal))
            {
                state.UnitStatus.Add(line);
                continue;
            }

            state.InUnitStatus = false;
            ReadLine(StripJournalPrefix(line), state);
        }

        state.CloseErrorBlock();
        return state.ToReport();
    }

    private static void ReadLine(string line, ParseState state)
    {
        var text = line.Trim();
        var indented = line.Length > 0 && char.IsWhiteSpace(line[0]);
        if (text.Length == 0)
        {
            return;
        }

        if (!indented)
        {
            state.CloseErrorBlock();
        }

        if (state.ReadRustErrorLine(text, indented) || ReadBuildLine(text, state) || ReadActivationLine(text, state))
        {
            return;
        }

        if (text.StartsWith("warning:", StringComparison.Ordinal))
        {
            state.Warnings.Add(text);
            return;
        }

        if (FlakeSearchPattern().Match(text) is { Success: true } search)
        {
            state.FlakeSearchedUpFrom = search.Groups["path"].Value;
            return;
        }

        if (text.StartsWith("error:", StringComparison.Ordinal))
        {
            state.ReadErrorLine(text, indented);
            return;
        }

        if (state.ErrorBlockOpen)
        {
            state.ReadErrorBlockLine(text);
            return;
        }

        // The Python nixos-rebuild wraps a failed command as "Command '…' returned non-zero exit
        // status"; that line repeats the command, with its flake URI and host name, not an error.
        if (text.StartsWith("Command '", StringComparison.Ordinal))
        {
            return;
        }

        state.AddUnattributedLine(text);
    }

    /// <summary>Reads a line about building derivations; returns false when the line is not one.</summary>
    private static bool ReadBuildLine(string text, ParseState state)
    {
        if (text.StartsWith("> ", StringComparison.Ordinal) || text == ">")
        {
            state.AddLogLine(text.Length > 2 ? text[2..] : string.Empty);
            return true;
        }

        if (BuildingPattern().IsMatch(text) || text.StartsWith("For full logs, run:", StringComparison.Ordinal)
            || text.StartsWith("Output paths:", StringComparison.Ordinal) || LogLinesHeaderPattern().IsMatch(text))
        {
            return true;
        }

        if (BuilderFailedPattern().Match(text) is { Success: true } builderFailed)
        {
            // Nix 2.3 prints the build log before this line; later versions print it after, as "> " lines.
            var logFollows = text.StartsWith("error:", StringComparison.Ordinal) || text.EndsWith(';');
            state.AddLeaf(builderFailed.Groups["drv"].Value, ParseExitCode(builderFailed.Groups["code"].Value), logFollows ? LogPosition.After : LogPosition.Before);
            return true;
        }

        if (CannotBuildPattern().Match(text) is { Success: true } cannotBuild)
        {
            state.AddLeaf(cannotBuild.Groups["drv"].Value, null, LogPosition.After);
            return true;
        }

        if (ReasonPattern().Match(text) is { Success: true } reason)
        {
            state.SetLastLeafExitCode(ParseExitCode(reason.Groups["code"].Value));
            return true;
        }

        if (NixLogPattern().Match(text) is { Success: true } nixLog)
        {
            state.AddLeaf(nixLog.Groups["drv"].Value, null, LogPosition.Pending);
            return true;
        }

        if (DependencyFailedPattern().Match(text) is { Success: true } dependency)
        {
            state.AddDependent(dependency.Groups["drv"].Value);
            return true;
        }

        if (BuildOfFailedPattern().Match(text) is { Success: true } buildOf)
        {
            foreach (Match path in DerivationPathPattern().Matches(buildOf.Groups["drvs"].Value))
            {
                state.AddDependent(path.Value);
            }

            return true;
        }

        return false;
    }

    /// <summary>Reads a line of the switch to the new system; returns false when the line is not one.</summary>
    private static bool ReadActivationLine(string text, ParseState state)
    {
        if (text.StartsWith(FailedUnitsPrefix, StringComparison.Ordinal))
        {
            state.FailedUnits.AddRange(text[FailedUnitsPrefix.Length..]
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            state.Warnings.Add(text);
            state.InUnitStatus = true;
            return true;
        }

        if (text == "activating the configuration...")
        {
            state.Activated = true;
            return true;
        }

        if (SwitchingToPattern().Match(text) is { Success: true } switching)
        {
            state.Activated = true;
            state.NewSystemPath = switching.Groups["system"].Value;
            return true;
        }

        if (SwitchCommandPattern().Match(text) is { Success: true } switchCommand)
        {
            state.NewSystemPath = switchCommand.Groups["system"].Value;
            return true;
        }

        // switch-to-configuration-ng reports with Rust's anyhow: "Error: <message>", a blank line,
        // "Caused by:", then each cause indented on its own line.
        if (text.StartsWith("Error: ", StringComparison.Ordinal))
        {
            state.StartRustError(text["Error: ".Length..]);
            return true;
        }

        if (state.Activated && ActivationErrorPattern().IsMatch(text))
        {
            state.Errors.Add(text);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Removes a syslog-style journal prefix such as "Jan 17 04:41:05 host2 nixos-upgrade-start[57842]: ",
    /// so output read from the journal parses like output read from a terminal.
    /// </summary>
    private static string StripJournalPrefix(string line)
    {
        var match = JournalPrefixPattern().Match(line);
        return match.Success ? line[match.Length..] : line;
    }

    private static int? ParseExitCode(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : null;

    /// <summary>Returns "linux-src-patched" for "/nix/store/&lt;hash&gt;-linux-src-patched.drv".</summary>
    internal static string DerivationName(string path)
    {
        var match = DerivationPathPattern().Match(path);
        return match.Success && match.Length == path.Length ? match.Groups["name"].Value : path;
    }

    // Store hashes are 32 characters of Nix's base-32 alphabet, which leaves out e, o, u and t.
    [GeneratedRegex(@"/nix/store/[0-9a-df-np-sv-z]{32}-(?<name>[^/'""\s]+?)\.drv", RegexOptions.CultureInvariant)]
    private static partial Regex DerivationPathPattern();

    [GeneratedRegex(@"^building '/nix/store/[^']+'(\.\.\.| on '[^']*'\.\.\.)?$", RegexOptions.CultureInvariant)]
    private static partial Regex BuildingPattern();

    [GeneratedRegex(@"^(error: )?builder for '(?<drv>/nix/store/[^']+\.drv)' failed with exit code (?<code>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex BuilderFailedPattern();

    [GeneratedRegex(@"^error: Cannot build '(?<drv>/nix/store/[^']+\.drv)'", RegexOptions.CultureInvariant)]
    private static partial Regex CannotBuildPattern();

    [GeneratedRegex(@"^Reason: builder failed with exit code (?<code>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex ReasonPattern();

    [GeneratedRegex(@"^(For full logs, run '|For full logs, run: )?nix log (?<drv>/nix/store/[^'\s]+\.drv)'?\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex NixLogPattern();

    [GeneratedRegex(@"^[Ll]ast \d+ log lines:$", RegexOptions.CultureInvariant)]
    private static partial Regex LogLinesHeaderPattern();

    [GeneratedRegex(@"^(error: \d+ dependencies of derivation '(?<drv>/nix/store/[^']+\.drv)' failed to build|cannot build derivation '(?<drv>/nix/store/[^']+\.drv)': \d+ dependencies couldn't be built)", RegexOptions.CultureInvariant)]
    private static partial Regex DependencyFailedPattern();

    [GeneratedRegex(@"^error: build of (?<drvs>'/nix/store/.+') failed$", RegexOptions.CultureInvariant)]
    private static partial Regex BuildOfFailedPattern();

    [GeneratedRegex(@"^switching to system configuration (?<system>/nix/store/\S+)$", RegexOptions.CultureInvariant)]
    private static partial Regex SwitchingToPattern();

    [GeneratedRegex(@"^(?<system>/nix/store/[^/\s]+)/bin/switch-to-configuration (switch|boot|test|dry-activate)$", RegexOptions.CultureInvariant)]
    private static partial Regex SwitchCommandPattern();

    // Forms in which switch-to-configuration and systemctl report a unit operation that failed.
    [GeneratedRegex(@"^(\S+ is not active, cannot reload\.|Job for \S+ failed\b.*|Failed to (start|stop|restart|reload) \S+: .+)$", RegexOptions.CultureInvariant)]
    private static partial Regex ActivationErrorPattern();

    [GeneratedRegex(@"^path '(?<path>[^']+)' does not contain a 'flake\.nix', searching up$", RegexOptions.CultureInvariant)]
    private static partial Regex FlakeSearchPattern();

    [GeneratedRegex(@"nixosConfigurations\.""(?<name>[^""]+)""", RegexOptions.CultureInvariant)]
    private static partial Regex ConfigurationNamePattern();

    [GeneratedRegex(@"^\d+: ", RegexOptions.CultureInvariant)]
    private static partial Regex RustCauseNumberPattern();

    [GeneratedRegex(@"source: /nix/store/\S+: cannot execute binary file", RegexOptions.CultureInvariant)]
    private static partial Regex CorruptSourcePattern();

    [GeneratedRegex(@"^[A-Z][a-z]{2} [ 0-9]\d \d{2}:\d{2}:\d{2} \S+ [^\s\[:]+(\[\d+\])?: ", RegexOptions.CultureInvariant)]
    private static partial Regex JournalPrefixPattern();

    /// <summary>Where the build log of a failed derivation is printed, relative to the line that names it.</summary>
    private enum LogPosition
    {
        /// <summary>Before it, without a prefix (Nix 2.3).</summary>
        Before,

        /// <summary>After it, as "> " lines (Nix 2.4 and later).</summary>
        After,

        /// <summary>Already read as "> " lines that no derivation claimed yet ("nix log" after the tail).</summary>
        Pending,
    }

    /// <summary>What has been read so far; the parser fills it line by line.</summary>
    private sealed class ParseState
    {
        private readonly List<LeafBuilder> _leaves = [];
        private readonly List<string> _dependents = [];
        private readonly Queue<string> _unattributed = new();
        private readonly List<string> _pendingLogLines = [];

        private readonly List<string> _rustCauses = [];

        private string? _errorCandidate;
        private string? _rustError;
        private bool _readingRustCauses;
        private LeafBuilder? _currentLogLeaf;

        public List<string> Errors { get; } = [];

        public List<string> Warnings { get; } = [];

        public List<string> FailedUnits { get; } = [];

        public List<string> UnitStatus { get; } = [];

        public bool InUnitStatus { get; set; }

        public bool Activated { get; set; }

        public string? NewSystemPath { get; set; }

        public string? FlakeSearchedUpFrom { get; set; }

        public bool ErrorBlockOpen => _errorCandidate is not null;

        public void AddLeaf(string path, int? exitCode, LogPosition logPosition)
        {
            var existing = _leaves.FirstOrDefault(leaf => leaf.Path == path);
            var leaf = existing ?? new LeafBuilder(path);
            if (existing is null)
            {
                _leaves.Add(leaf);
            }

            leaf.ExitCode ??= exitCode;
            if (logPosition == LogPosition.Before)
            {
                leaf.LogLines.AddRange(_unattributed);
                _unattributed.Clear();
            }
            else if (logPosition == LogPosition.Pending)
            {
                leaf.LogLines.AddRange(_pendingLogLines);
                _pendingLogLines.Clear();
            }

            _currentLogLeaf = logPosition == LogPosition.After ? leaf : null;
        }

        public void SetLastLeafExitCode(int? exitCode)
        {
            if (_leaves.Count > 0)
            {
                _leaves[^1].ExitCode ??= exitCode;
            }
        }

        public void AddLogLine(string line)
        {
            if (_currentLogLeaf is not null)
            {
                _currentLogLeaf.LogLines.Add(line);
            }
            else
            {
                _pendingLogLines.Add(line);
            }
        }

        public void AddDependent(string path)
        {
            _currentLogLeaf = null;
            if (!_dependents.Contains(path))
            {
                _dependents.Add(path);
            }
        }

        /// <summary>Keeps recent lines that no rule recognised: Nix 2.3 prints build logs without a prefix.</summary>
        public void AddUnattributedLine(string text)
        {
            _unattributed.Enqueue(text);
            if (_unattributed.Count > MaxLogTailLines)
            {
                _unattributed.Dequeue();
            }
        }

        /// <summary>
        /// Reads an "error:" line. An unindented one starts a block. An indented one inside a block is
        /// a nested error, and the innermost one, printed last, replaces the block's message.
        /// </summary>
        public void ReadErrorLine(string text, bool indented)
        {
            if (!indented || _errorCandidate is null)
            {
                CloseErrorBlock();
                _errorCandidate = text;
                return;
            }

            if (text.Length > "error:".Length)
            {
                _errorCandidate = text;
            }
        }

        /// <summary>A bare "error:" takes the first line of its trace until a nested error names the cause.</summary>
        public void ReadErrorBlockLine(string text)
        {
            if (_errorCandidate == "error:" && !text.StartsWith("(stack trace truncated", StringComparison.Ordinal))
            {
                _errorCandidate = "error: " + text;
            }
        }

        public void CloseErrorBlock()
        {
            if (_errorCandidate is not null)
            {
                Errors.Add(_errorCandidate);
                _errorCandidate = null;
            }
        }

        public void StartRustError(string message)
        {
            CloseRustError();
            _rustError = message;
        }

        /// <summary>
        /// Reads "Caused by:" and the indented causes after an "Error:" line; returns false for any
        /// other line, which ends the error.
        /// </summary>
        public bool ReadRustErrorLine(string text, bool indented)
        {
            if (_rustError is null)
            {
                return false;
            }

            if (text == "Caused by:")
            {
                _readingRustCauses = true;
                return true;
            }

            if (indented && _readingRustCauses)
            {
                _rustCauses.Add(RustCauseNumberPattern().Replace(text, string.Empty));
                return true;
            }

            CloseRustError();
            return false;
        }

        private void CloseRustError()
        {
            if (_rustError is null)
            {
                return;
            }

            Errors.Add(_rustCauses.Count == 0 ? _rustError : _rustError + " — " + string.Join(" — ", _rustCauses));
            _rustError = null;
            _readingRustCauses = false;
            _rustCauses.Clear();
        }

        public NixosRebuildReport ToReport()
        {
            CloseRustError();
            var leaves = _leaves
                .Select(leaf => new FailedDerivation(leaf.Path, DerivationName(leaf.Path), leaf.ExitCode, leaf.LogLines.TakeLast(MaxLogTailLines).ToList()))
                .ToList();

            // A derivation listed as a leaf failed itself, even if a later line also names it as dependent.
            var dependents = _dependents.Where(path => leaves.All(leaf => leaf.Path != path)).ToList();

            var buildErrors = leaves.Select(DescribeBuildFailure).ToList();
            var errors = buildErrors.Concat(Errors).ToList();
            var stage = DecideStage(leaves.Count > 0 || dependents.Count > 0);
            var summary = stage == NixosRebuildStage.Build && buildErrors.Count > 0 ? buildErrors[0] : errors.FirstOrDefault();
            var missingConfiguration = Errors
                .Where(error => error.Contains("does not provide attribute", StringComparison.Ordinal))
                .Select(error => ConfigurationNamePattern().Match(error))
                .FirstOrDefault(match => match.Success)?.Groups["name"].Value;
            var corruption = leaves.SelectMany(leaf => leaf.LogTail).Concat(_unattributed).Any(line => CorruptSourcePattern().IsMatch(line));

            return new NixosRebuildReport(
                stage,
                summary,
                errors,
                Warnings,
                Activated,
                NewSystemPath,
                FailedUnits,
                FailedUnits.Count > 0 ? string.Join('\n', UnitStatus).Trim('\n') : null,
                leaves,
                dependents,
                missingConfiguration,
                FlakeSearchedUpFrom,
                corruption);
        }

        private NixosRebuildStage? DecideStage(bool buildFailed)
        {
            if (buildFailed)
            {
                return NixosRebuildStage.Build;
            }

            if (Errors.Count == 0)
            {
                return null;
            }

            if (Activated)
            {
                return NixosRebuildStage.Activation;
            }

            return Errors.Any(error => FetchFailureMarkers.Any(marker => error.Contains(marker, StringComparison.Ordinal)))
                ? NixosRebuildStage.Fetch
                : NixosRebuildStage.Evaluation;
        }

        private static string DescribeBuildFailure(FailedDerivation leaf) => leaf.ExitCode is { } code
            ? string.Create(CultureInfo.InvariantCulture, $"{leaf.Name} failed to build: its builder exited with code {code}")
            : $"{leaf.Name} failed to build";

        private sealed class LeafBuilder(string path)
        {
            public string Path { get; } = path;

            public int? ExitCode { get; set; }

            public List<string> LogLines { get; } = [];
        }
    }
}
