using Macha.Core.Knowledge;
using Macha.Web.Security;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components.Pages;

/// <summary>Searches the knowledge base and adds or deletes notes. The search text and collection live in the query string.</summary>
public sealed partial class Knowledge
{
    private const int SearchLimit = 20;
    private const int ExcerptCharacters = 400;

    private IReadOnlyList<KnowledgeHit> _hits = [];
    private bool _searching;
    private string? _searchError;
    private string? _message;
    private string? _queryInput;
    private string? _collectionInput;
    private string? _title;
    private string? _text;
    private string? _tags;
    private bool _adding;
    private string? _addError;

    [Inject]
    private IKnowledgeBase KnowledgeBase { get; set; } = default!;

    [Inject]
    private OperatorAccess Access { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "q")]
    public string? Query { get; set; }

    [SupplyParameterFromQuery(Name = "collection")]
    public string? Collection { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        _queryInput = Query;
        _collectionInput = Collection;
        await RunSearchAsync();
    }

    private void Search()
    {
        var uri = Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["q"] = string.IsNullOrWhiteSpace(_queryInput) ? null : _queryInput.Trim(),
            ["collection"] = string.IsNullOrEmpty(_collectionInput) ? null : _collectionInput,
        });
        Navigation.NavigateTo(uri);
    }

    private async Task RunSearchAsync()
    {
        _searchError = null;
        if (string.IsNullOrWhiteSpace(Query) || !KnowledgeBase.IsConfigured)
        {
            _hits = [];
            return;
        }

        KnowledgeCollection? collection = KnowledgeCollectionNames.TryParse(Collection, out var parsed) ? parsed : null;
        _searching = true;
        try
        {
            _hits = await KnowledgeBase.SearchAsync(Query, collection, SearchLimit);
        }
        catch (KnowledgeUnavailableException ex)
        {
            _hits = [];
            _searchError = $"The search failed: {ex.Message}";
        }
        finally
        {
            _searching = false;
        }
    }

    private async Task AddAsync()
    {
        _message = null;
        _addError = null;
        var tags = (_tags ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var errors = KnowledgeNoteRules.Validate(_title, _text, tags);
        if (errors.Count > 0)
        {
            _addError = string.Join(" ", errors.Values.SelectMany(messages => messages));
            return;
        }

        // Adding changes what every later analysis reads, so it needs the operate policy, as the API does.
        var access = await Access.CheckAsync();
        if (!access.IsAllowed)
        {
            _addError = $"The note was not added: {access.DenialReason}";
            return;
        }

        _adding = true;
        try
        {
            var note = await KnowledgeBase.AddNoteAsync(_title!, _text!, tags);
            _message = $"Added note “{note.Title}” ({note.Id}).";
            _title = _text = _tags = null;
        }
        catch (KnowledgeUnavailableException ex)
        {
            // The form keeps what was typed, so nothing is lost when the server is down.
            _addError = $"The note was not added: {ex.Message}";
        }
        finally
        {
            _adding = false;
        }
    }

    private async Task DeleteAsync(string id)
    {
        _message = null;
        var access = await Access.CheckAsync();
        if (!access.IsAllowed)
        {
            _searchError = $"The note was not deleted: {access.DenialReason}";
            return;
        }

        try
        {
            var deleted = await KnowledgeBase.DeleteNoteAsync(id);
            _message = deleted ? $"Deleted note {id}." : $"Note {id} was already gone.";
            _hits = [.. _hits.Where(hit => hit.Id != id)];
        }
        catch (KnowledgeUnavailableException ex)
        {
            _searchError = $"The note was not deleted: {ex.Message}";
        }
    }

    private static string Excerpt(string text) =>
        text.Length > ExcerptCharacters ? text[..ExcerptCharacters] + "…" : text;
}
