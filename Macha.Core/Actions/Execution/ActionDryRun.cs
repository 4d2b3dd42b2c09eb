using System.Globalization;
using System.Text;
using Macha.Core.Analysis.Tools;
using Macha.Core.Hosts;
using Macha.Core.Storage.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Macha.Core.Actions.Execution;

/// <summary>
/// Runs the read-only preview of an action when it is queued for approval, so the person deciding
/// sees the host's current state and what the action would change. Previews run without sudo,
/// as fixed argv through the host's shell, under <see cref="ActionOptions.DryRunTimeout"/> per
/// command. Their text is sanitized like tool output, redacted like audit text, and cut to
/// <see cref="MaxCharacters"/>.
/// </summary>
internal sealed partial class ActionDryRun(
    SecretRedactor redactor,
    IOptionsMonitor<ActionOptions> options,
    ILogger<ActionDryRun> logger)
{
    /// <summary>Maximum length of the stored preview, marker included, in UTF-16 chars.</summary>
    public const int MaxCharacters = 16 * 1024;

    /// <summary>Cap on the captured standard output of one preview command, in bytes.</summary>
    public const int MaxOutputBytes = 64 * 1024;

    /// <summary>The prefix of a preview that could not run at all; the reason follows it.</summary>
    public const string FailedPrefix = "The dry run failed, so there is no preview: ";

    // Properties of the unit and of the units that systemd restarts with it: Requires= and BindsTo=
    // on another unit make it follow a restart of this one (RequiredBy, BoundBy), and so does PartOf=
    // (ConsistsOf), as systemd.unit(5) describes them.
    private const string RestartProperties =
        "Id,Description,LoadState,ActiveState,SubState,Result,MainPID,NRestarts,StateChangeTimestamp,RequiredBy,BoundBy,ConsistsOf,TriggeredBy";

    private const string StateProperties = "Id,Description,LoadState,ActiveState,SubState,Result,NRestarts,StateChangeTimestamp";

    /// <summary>
    /// Returns the read-only commands that preview <paramref name="request"/>, or an empty list when
    /// the action has none, as for a diagnostic, which only reads anyway.
    /// </summary>
    public IReadOnlyList<CommandRequest> CommandsFor(ExecutableActionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);

        return request switch
        {
            RestartUnit restart =>
            [
                Command("systemctl", "status", "--no-pager", "--full", "--lines=20", "--", restart.Unit),
                Command("systemctl", "show", "--property=" + RestartProperties, "--", restart.Unit),
            ],
            ResetFailedUnit reset => [Command("systemctl", "show", "--property=" + StateProperties, "--", reset.Unit)],
            VacuumJournal => [Command("journalctl", "--disk-usage")],
            CollectNixGarbage garbage =>
            [
                Command("nix-collect-garbage", "--dry-run", "--delete-older-than", garbage.OlderThanDays.ToString(CultureInfo.InvariantCulture) + "d"),
            ],
            RebuildNixos rebuild => [Bounded(rebuild.BuildCommand(NixosRebuildStage.DryBuild))],
            RollbackNixos => [Command("nix-env", "--list-generations", "--profile", NixosPipeline.SystemProfile)],
            _ => [],
        };
    }

    /// <summary>
    /// Runs the preview of <paramref name="request"/> on <paramref name="shell"/> and returns its
    /// text, or null when the action has no preview. A preview that cannot run returns a text that
    /// starts with <see cref="FailedPrefix"/> and gives the reason; it never throws for that, so a
    /// failed preview never keeps an action from being queued.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<string?> RunAsync(ExecutableActionRequest request, IHostShell shell, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(shell);

        var commands = CommandsFor(request);
        if (commands.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        var ran = 0;
        foreach (var command in commands)
        {
            CommandResult result;
            try
            {
                result = await shell.RunAsync(command, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A shell reports expected failures in its result, so anything thrown is unexpected.
                // The action is still queued, with the reason in place of the preview.
                LogDryRunFailed(ex, request.Kind, shell.HostName);
                text.Append("$ ").AppendLine(command.DisplayText).Append(FailedPrefix).AppendLine(ex.Message);
                continue;
            }

            Append(text, command, result);
            if (result.Status == CommandStatus.Exited)
            {
                ran++;
            }
        }

        var preview = Fit(redactor.Redact(text.ToString().TrimEnd()));
        return ran == 0 ? FailedPrefix + "no preview command ran on host " + shell.HostName + ".\n" + preview : preview;
    }

    private static void Append(StringBuilder text, CommandRequest command, CommandResult result)
    {
        text.Append("$ ").AppendLine(command.DisplayText);
        if (result.Status != CommandStatus.Exited)
        {
            text.AppendLine(ToolOutputBudget.Sanitize(result.Describe(command.DisplayText)));
            return;
        }

        if (ToolOutputBudget.Sanitize(result.StandardOutput) is { Length: > 0 } output)
        {
            text.AppendLine(output);
        }

        if (ToolOutputBudget.Sanitize(result.StandardError) is { Length: > 0 } error)
        {
            text.AppendLine(error);
        }

        if (result.OutputTruncated)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"[the command printed more than {command.MaxOutputBytes} bytes; the rest was dropped]");
        }

        // systemctl status exits 3 for an inactive or failed unit, which is what a preview of a
        // failed unit shows, so a non-zero code is stated and not treated as a failure.
        if (result.ExitCode is { } code and not 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"[exit code {code}]");
        }

        text.AppendLine();
    }

    private static string Fit(string text)
    {
        if (text.Length <= MaxCharacters)
        {
            return text;
        }

        var marker = string.Create(CultureInfo.InvariantCulture, $"\n[the preview is longer than {MaxCharacters} characters; the rest was dropped]");
        var cut = text.LastIndexOf('\n', MaxCharacters - marker.Length);
        return text[..(cut > 0 ? cut : MaxCharacters - marker.Length)] + marker;
    }

    private CommandRequest Command(string program, params string[] arguments) =>
        new(program, arguments, options.CurrentValue.DryRunTimeout, MaxOutputBytes);

    private CommandRequest Bounded(CommandRequest command) =>
        command with { Timeout = options.CurrentValue.DryRunTimeout, MaxOutputBytes = MaxOutputBytes };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dry run of {ActionKind} on host {HostName} failed; the action is queued without a preview")]
    private partial void LogDryRunFailed(Exception exception, string actionKind, string hostName);
}
