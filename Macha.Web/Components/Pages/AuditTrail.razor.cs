using Macha.Core.Events;
using Macha.Core.Storage.Audit;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components.Pages;

/// <summary>The actions or the decisions audit file, by the address it was opened at.</summary>
public sealed partial class AuditTrail
{
    private const int Limit = 200;
    private const int TextScanLimit = 5000;

    private IReadOnlyList<AuditRecord>? _records;
    private AuditVerification? _verification;
    private string? _loadError;

    [SupplyParameterFromQuery]
    public string? Type { get; set; }

    [SupplyParameterFromQuery]
    public string? Host { get; set; }

    [SupplyParameterFromQuery]
    public string? Text { get; set; }

    [Inject]
    private IAuditLog Audit { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private AuditFile File => Navigation.ToBaseRelativePath(Navigation.Uri).StartsWith("audit/decisions", StringComparison.OrdinalIgnoreCase)
        ? AuditFile.Decisions
        : AuditFile.Actions;

    private string Title => File == AuditFile.Decisions ? "Decisions" : "Actions";

    private string FileName => Path.GetFileName(Audit.GetPath(File));

    protected override Task OnParametersSetAsync() => LoadAsync();

    protected override async Task<bool> OnLiveEventAsync(object liveEvent)
    {
        if (liveEvent is not AuditAppended appended || appended.File != File)
        {
            return false;
        }

        await LoadAsync();
        return true;
    }

    private async Task LoadAsync()
    {
        _loadError = null;
        try
        {
            var path = Audit.GetPath(File);
            _records = await ReadAsync(path);
            _verification = await AuditVerifier.VerifyAsync(path, Disposing);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _loadError = ex.Message;
        }
    }

    /// <summary>
    /// Reads the newest matching lines. The text filter is applied here, after the reader's own
    /// filters, to at most <see cref="TextScanLimit"/> lines, so it finds only recent matches.
    /// </summary>
    private async Task<IReadOnlyList<AuditRecord>> ReadAsync(string path)
    {
        var text = Blank(Text);
        var query = new AuditQuery { Type = Blank(Type), HostName = Blank(Host), Limit = text is null ? Limit : TextScanLimit };
        var records = await AuditReader.ReadAsync(path, query, Disposing);
        return text is null
            ? records
            : records.Where(r => Matches(r, text)).Take(Limit).ToList();
    }

    private static bool Matches(AuditRecord record, string text) =>
        record.Type.Contains(text, StringComparison.OrdinalIgnoreCase)
        || record.Actor.Contains(text, StringComparison.OrdinalIgnoreCase)
        || (record.Host?.Contains(text, StringComparison.OrdinalIgnoreCase) ?? false)
        || record.Data.GetRawText().Contains(text, StringComparison.OrdinalIgnoreCase);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private void NavigateWith(string? type = null, string? host = null, string? text = null)
    {
        var uri = Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["type"] = Blank(type ?? Type),
            ["host"] = Blank(host ?? Host),
            ["text"] = Blank(text ?? Text),
        });
        Navigation.NavigateTo(uri);
    }
}
