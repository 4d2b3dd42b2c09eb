using System.Globalization;
using System.Text;
using Macha.Core.Actions.Autonomy;
using Macha.Core.Incidents;
using Macha.Core.Storage.Audit;
using Microsoft.Extensions.Options;

namespace Macha.Core.Notifications;

/// <summary>
/// Turns events into short notifications. Titles name the host and the unit or subject; bodies are
/// Markdown with every outside text redacted and escaped; details stay in the dashboard.
/// </summary>
internal sealed class NotificationFormatter
{
    private const int TitleMaxLength = 120;
    private const int DigestMaxLines = 10;

    private readonly IOptionsMonitor<NotificationOptions> _options;
    private readonly SecretRedactor _redactor;

    public NotificationFormatter(IOptionsMonitor<NotificationOptions> options, SecretRedactor redactor)
    {
        _options = options;
        _redactor = redactor;
    }

    /// <summary>Returns the notification for an incident change, or null for a change that is not worth one.</summary>
    public Notification? ForIncident(IncidentChange change, Guid cycleRunId)
    {
        ArgumentNullException.ThrowIfNull(change);

        var summary = string.IsNullOrEmpty(change.Summary) ? change.Subject : change.Summary;
        var details = $"{Escape(change.IncidentKind)} · {Escape(change.Subject)}";
        var link = _options.CurrentValue.DashboardLink();
        if (change.Kind == IncidentChangeKind.Resolved)
        {
            return new Notification(
                NotificationKind.IncidentResolved,
                Title($"Resolved on {change.HostName}: {summary}"),
                Body($"**Resolved** on {Escape(change.HostName)}: {Escape(summary)}", details, Escape(change.Reason), LinkLine(link, "Open the dashboard")),
                NotificationPriority.IncidentResolved,
                $"incident-resolved:{change.Fingerprint}",
                link,
                cycleRunId);
        }

        var severity = string.IsNullOrEmpty(change.Severity) ? "Warning" : change.Severity;
        var headline = change.Kind switch
        {
            IncidentChangeKind.Reopened => $"{severity} again",
            IncidentChangeKind.SeverityChanged => $"Now {severity.ToLowerInvariant()}",
            _ => severity,
        };
        var what = change.Kind switch
        {
            IncidentChangeKind.Reopened => "Incident reopened",
            IncidentChangeKind.SeverityChanged => "Incident changed severity",
            _ => "New incident",
        };

        // Opened, reopened and severity-changed share one key, so a flapping incident is one
        // notification per cooldown, and only a rise in priority breaks through.
        return new Notification(
            NotificationKind.IncidentOpened,
            Title($"{headline} on {change.HostName}: {summary}"),
            Body($"**{what}** ({Escape(severity.ToLowerInvariant())}) on {Escape(change.HostName)}: {Escape(summary)}", details, LinkLine(link, "Open the dashboard")),
            PriorityOf(severity),
            $"incident:{change.Fingerprint}",
            link,
            cycleRunId);
    }

    public Notification ForApproval(ApprovalWaiting approval)
    {
        ArgumentNullException.ThrowIfNull(approval);

        var link = _options.CurrentValue.ApprovalLink(approval.ApprovalId);
        var target = approval.Command.Count > 0 ? approval.Command[^1] : approval.ActionKind;
        var linkLine = link is null
            ? "Decide on Macha's Approvals page. This message has no link because Macha:PublicUrl is not set."
            : $"[Review and decide]({link.AbsoluteUri})";
        return new Notification(
            NotificationKind.ApprovalWaiting,
            Title($"Approval needed on {approval.HostName}: {approval.ActionKind} {target}"),
            Body(
                $"**{Escape(approval.ActionKind)}** on {Escape(approval.HostName)} waits for approval (risk {Escape(approval.Risk)}).",
                $"Command: {Escape(string.Join(' ', approval.Command))}",
                $"Why: {Escape(approval.Reason)}",
                linkLine),
            NotificationPriority.ApprovalWaiting,
            $"approval:{approval.ApprovalId:D}",
            link);
    }

    /// <summary>
    /// Returns the notice of an action's outcome. An approved action links to its approval page and
    /// names who approved it; an automatic one links to the dashboard. A failure is critical.
    /// </summary>
    public Notification ForAction(ActionFinished action)
    {
        ArgumentNullException.ThrowIfNull(action);

        var subject = action.Target is null ? action.ActionKind : $"{action.ActionKind} {action.Target}";
        var outcome = (action.Succeeded, action.RolledBack) switch
        {
            (true, _) => "succeeded",
            (false, true) => "rolled back",
            _ => "failed",
        };
        var options = _options.CurrentValue;
        var (origin, link, dedupKey) = action.ApprovalId is { } approvalId
            ? ($"Approved action {outcome}", options.ApprovalLink(approvalId), $"approval-outcome:{approvalId:D}")
            : ($"Automatic action {outcome}", options.DashboardLink(), $"action-{outcome}:{action.DedupKey}");
        var approvedBy = action.ApprovedBy is null ? null : $"Approved by {Escape(action.ApprovedBy)}.";
        return new Notification(
            NotificationKind.ActionOutcome,
            Title($"Action {outcome} on {action.HostName}: {subject}"),
            Body(
                $"**{origin}** on {Escape(action.HostName)}: {Escape(subject)}",
                Escape(action.Outcome),
                approvedBy,
                LinkLine(link, action.ApprovalId is null ? "Open the dashboard" : "Open the approval")),
            action.Succeeded ? NotificationPriority.ActionSucceeded : NotificationPriority.ActionFailed,
            dedupKey,
            link);
    }

    public Notification ForDependency(DependencyStateChanged dependency)
    {
        ArgumentNullException.ThrowIfNull(dependency);

        var name = dependency.Kind == DependencyKind.Host ? $"Host {dependency.Name}" : dependency.Name;
        var (title, headline, priority) = dependency.IsDown
            ? (dependency.Kind == DependencyKind.Host ? $"{name} is unreachable" : $"{name} is down",
                "**Down**",
                dependency.Kind == DependencyKind.Host ? NotificationPriority.HostUnreachable : NotificationPriority.DependencyDown)
            : (dependency.Kind == DependencyKind.Host ? $"{name} is reachable again" : $"{name} is back up",
                "**Back up**",
                NotificationPriority.DependencyUp);
        var link = _options.CurrentValue.DashboardLink();
        return new Notification(
            dependency.IsDown ? NotificationKind.DependencyDown : NotificationKind.DependencyUp,
            Title(title),
            Body($"{headline}: {Escape(name)}", Escape(dependency.Detail), LinkLine(link, "Open the dashboard")),
            priority,
            $"dependency-{(dependency.IsDown ? "down" : "up")}:{dependency.Kind}:{dependency.Name}",
            link);
    }

    /// <summary>Returns the notification for a pause or a resume; each one is sent, because each is a person's act.</summary>
    public Notification ForAutonomy(AutonomyChanged autonomy)
    {
        ArgumentNullException.ThrowIfNull(autonomy);

        var verb = autonomy.Paused ? "paused" : "resumed";
        var consequence = autonomy.Paused
            ? "Macha runs no action by itself until autonomy is resumed. Approvals still wait for a person."
            : $"Macha acts again at autonomy level {autonomy.State.EffectiveLevel}.";
        var reason = autonomy.Paused && !string.IsNullOrWhiteSpace(autonomy.State.Reason) ? $"Reason: {Escape(autonomy.State.Reason)}" : null;
        var link = _options.CurrentValue.DashboardLink();
        return new Notification(
            NotificationKind.AutonomyChanged,
            Title($"Autonomy {verb} by {autonomy.Actor}"),
            Body($"**Autonomy {verb}** by {Escape(autonomy.Actor)}.", reason, consequence, LinkLine(link, "Open the dashboard")),
            NotificationPriority.AutonomyChanged,
            $"autonomy:{verb}:{autonomy.At.UtcTicks.ToString(CultureInfo.InvariantCulture)}",
            link);
    }

    public Notification ForTest(string machaHostName, DateTimeOffset now)
    {
        var link = _options.CurrentValue.DashboardLink();
        return new Notification(
            NotificationKind.Test,
            Title($"Test notification from Macha on {machaHostName}"),
            Body(
                $"**Gotify notifications work.** Sent at {now.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC from {Escape(machaHostName)}.",
                link is null ? "No link: Macha:PublicUrl is not set." : $"[Open the dashboard]({link.AbsoluteUri})"),
            NotificationPriority.Test,
            $"test:{now.UtcTicks.ToString(CultureInfo.InvariantCulture)}",
            link);
    }

    /// <summary>Returns one notification that lists <paramref name="items"/>, at the highest of their priorities.</summary>
    /// <param name="occasion">What the items have in common, such as "from one health cycle"; plain text.</param>
    public Notification Digest(IReadOnlyList<Notification> items, string occasion, string dedupKey, int omittedCount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfZero(items.Count);

        var total = items.Count + omittedCount;
        var lines = new StringBuilder();
        lines.Append(CultureInfo.InvariantCulture, $"**{total} notifications {Escape(occasion)}**");
        foreach (var item in items.OrderByDescending(i => i.Priority).Take(DigestMaxLines))
        {
            lines.Append("\n- ").Append(Escape(item.Title, TitleMaxLength));
        }

        if (total > DigestMaxLines)
        {
            lines.Append(CultureInfo.InvariantCulture, $"\n- and {total - DigestMaxLines} more");
        }

        var link = _options.CurrentValue.DashboardLink();
        if (LinkLine(link, "Open the dashboard") is { } linkLine)
        {
            lines.Append("\n\n").Append(linkLine);
        }

        return new Notification(
            NotificationKind.Digest,
            Title($"Macha: {total} notifications {occasion}"),
            lines.ToString(),
            items.Max(i => i.Priority),
            dedupKey,
            link);
    }

    private static int PriorityOf(string severity) => severity switch
    {
        "Critical" => NotificationPriority.IncidentCritical,
        "Warning" => NotificationPriority.IncidentWarning,
        _ => NotificationPriority.IncidentInfo,
    };

    private static string? LinkLine(Uri? link, string text) => link is null ? null : $"[{text}]({link.AbsoluteUri})";

    private static string Body(params string?[] paragraphs) =>
        string.Join("\n\n", paragraphs.Where(p => !string.IsNullOrEmpty(p)));

    private string Escape(string? text, int maxLength = MarkdownText.DefaultMaxLength) =>
        MarkdownText.Escape(text is null ? null : _redactor.Redact(text), maxLength);

    // Gotify shows titles as plain text, so they are only redacted and made one bounded line.
    private string Title(string text) => MarkdownText.OneLine(_redactor.Redact(text), TitleMaxLength);
}
