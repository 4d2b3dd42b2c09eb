using System.Globalization;
using System.Text;
using System.Text.Json;
using Macha.Core.Analysis;
using Macha.Core.Analysis.Tools;
using Microsoft.Extensions.Options;

namespace Macha.Core.Knowledge;

/// <summary>
/// The knowledge_search tool: lets the model search the knowledge base (notes, earlier incidents
/// and their outcomes, configuration files) with its own words. Read-only; the result is quoted as
/// data like any other tool output.
/// </summary>
internal sealed class KnowledgeSearchTool : IAnalysisTool
{
    public const int MaxLimit = 10;

    /// <summary>Longest text shown of one hit, in characters.</summary>
    private const int MaxHitCharacters = 1200;

    private static readonly string[] Collections = ["all", "knowledge", "incidents", "configs"];

    private static readonly JsonElement Schema = ToolSchema.Parse("""
        {
          "type": "object",
          "properties": {
            "query": {
              "type": "string",
              "description": "What to look for, in words, such as 'nginx fails after a NixOS switch' or 'journal fills /var'.",
              "minLength": 3,
              "maxLength": 1000
            },
            "collection": {
              "type": "string",
              "enum": ["all", "knowledge", "incidents", "configs"],
              "description": "knowledge: notes and runbooks; incidents: earlier incidents with what fixed them or failed; configs: the hosts' NixOS configuration files; all (default) searches every one."
            },
            "limit": { "type": "integer", "minimum": 1, "maximum": 10, "description": "How many results to return; default 4." }
          },
          "required": ["query"],
          "additionalProperties": false
        }
        """);

    private readonly KnowledgeStore _store;
    private readonly IOptionsMonitor<KnowledgeOptions> _options;

    public KnowledgeSearchTool(KnowledgeStore store, IOptionsMonitor<KnowledgeOptions> options)
    {
        _store = store;
        _options = options;
    }

    public string Name => "knowledge_search";

    public string Description =>
        "Searches Macha's knowledge base: administration notes, earlier incidents with their diagnosis, the action taken and whether it worked, and the NixOS configuration files of the hosts. Returns the closest matches with a similarity from 0 to 1.";

    public JsonElement ParameterSchema => Schema;

    public async Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        cancellationToken.ThrowIfCancellationRequested();

        var arguments = ToolArguments.Read(Name, invocation.Arguments, "query", "collection", "limit");
        var query = arguments.RequiredString("query");
        var collection = arguments.Choice("collection", Collections, "all");
        var limit = arguments.Integer("limit", 1, MaxLimit, 4);
        if (!arguments.IsValid || query is null)
        {
            return arguments.ToInvalidOutput(Name);
        }

        if (!_store.IsConfigured)
        {
            return new ToolOutput(false, "The knowledge base is not configured on this Macha, so there is nothing to search.", 0);
        }

        IReadOnlyList<KnowledgeCollection> collections = KnowledgeCollectionNames.TryParse(collection, out var one) ? [one] : KnowledgeCollectionNames.All;
        IReadOnlyList<KnowledgeHit> hits;
        try
        {
            hits = await _store.SearchAsync(query, collections, limit, _options.CurrentValue.MinSimilarity, ModelRequestPriority.Incident, cancellationToken: cancellationToken);
        }
        catch (KnowledgeUnavailableException ex)
        {
            return new ToolOutput(false, $"The knowledge base is unavailable now: {ex.Message}", 0);
        }

        var text = Format(hits);
        return new ToolOutput(true, text, Encoding.UTF8.GetByteCount(text));
    }

    /// <summary>Writes hits as the model and the prompt read them: collection, title, similarity, then the text.</summary>
    public static string Format(IReadOnlyList<KnowledgeHit> hits, int maxHitCharacters = MaxHitCharacters)
    {
        ArgumentNullException.ThrowIfNull(hits);
        if (hits.Count == 0)
        {
            return "Nothing in the knowledge base is similar enough.";
        }

        var text = new StringBuilder();
        foreach (var hit in hits)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"[{hit.Collection}] {hit.Title} (id {hit.Id}, similarity {hit.Similarity:0.00})");
            text.AppendLine(hit.Text.Length > maxHitCharacters ? hit.Text[..maxHitCharacters] + " […]" : hit.Text);
            text.AppendLine();
        }

        return text.ToString().TrimEnd();
    }
}
