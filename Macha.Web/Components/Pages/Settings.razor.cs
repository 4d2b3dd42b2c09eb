using Macha.Core.Storage.Audit;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components.Pages;

public sealed partial class Settings
{
    private IReadOnlyList<SettingRow> _rows = [];
    private string? _loadError;
    private string? _filter;

    [Inject]
    private IServiceProvider Services { get; set; } = default!;

    [Inject]
    private IConfiguration Configuration { get; set; } = default!;

    [Inject]
    private SecretRedactor Redactor { get; set; } = default!;

    private IEnumerable<SettingRow> Visible => string.IsNullOrWhiteSpace(_filter)
        ? _rows
        : _rows.Where(r => r.Key.Contains(_filter.Trim(), StringComparison.OrdinalIgnoreCase));

    protected override void OnInitialized()
    {
        try
        {
            _rows = EffectiveConfiguration.Build(Services, Configuration, Redactor);
        }
        catch (InvalidOperationException ex)
        {
            _loadError = ex.Message;
        }
    }
}
