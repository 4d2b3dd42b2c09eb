using Bunit;
using Macha.Core.Knowledge;
using Macha.Web.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using KnowledgePage = Macha.Web.Components.Pages.Knowledge;

namespace Macha.Tests.Components;

public sealed class KnowledgePageTests : MachaBunitContext
{
    private readonly FakeKnowledgeBase _knowledge = new();

    public KnowledgePageTests()
    {
        Services.AddSingleton<IKnowledgeBase>(_knowledge);
    }

    [Fact]
    public void Render_QueryInAddress_ShowsHitsWithSimilarity()
    {
        _knowledge.Hits.Add(Hit("knowledge", "note-1", "Journal fills /var", 0.81));
        _knowledge.Hits.Add(Hit("incidents", "incident-1", "FailedUnit nginx.service: restart_unit succeeded", 0.64));
        Services.GetRequiredService<NavigationManager>().NavigateTo("/knowledge?q=journal&collection=knowledge");

        var page = Render<KnowledgePage>();

        Assert.Equal(("journal", KnowledgeCollection.Knowledge), _knowledge.Searches.Single());
        Assert.Contains("0.81", page.Find("[data-test=hit-note-1]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-test=delete-note-1]"));
        Assert.Empty(page.FindAll("[data-test=delete-incident-1]"));
    }

    [Fact]
    public void Delete_Note_RemovesTheRow()
    {
        _knowledge.Hits.Add(Hit("knowledge", "note-1", "Old note", 0.9));
        Services.GetRequiredService<NavigationManager>().NavigateTo("/knowledge?q=old");
        var page = Render<KnowledgePage>();

        page.Find("[data-test=delete-note-1]").Click();

        Assert.Equal(["note-1"], _knowledge.Deleted);
        Assert.Empty(page.FindAll("[data-test=hit-note-1]"));
        Assert.Contains("Deleted note note-1", page.Find("[data-test=message]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Delete_ReadOnlyUser_KeepsTheNote()
    {
        Authorization.SetPolicies(MachaPolicies.Read);
        _knowledge.Hits.Add(Hit("knowledge", "note-1", "Old note", 0.9));
        Services.GetRequiredService<NavigationManager>().NavigateTo("/knowledge?q=old");
        var page = Render<KnowledgePage>();

        page.Find("[data-test=delete-note-1]").Click();

        Assert.Empty(_knowledge.Deleted);
        Assert.Contains("operate scope", page.Find("[data-test=search-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_ReadOnlyUser_AddsNothingAndKeepsTheForm()
    {
        Authorization.SetPolicies(MachaPolicies.Read);
        var page = Render<KnowledgePage>();

        page.Find("[data-test=add-title]").Change("Backups");
        page.Find("[data-test=add-text]").Change("restic runs nightly");
        page.Find("[data-test=add-form]").Submit();

        Assert.Empty(_knowledge.Added);
        Assert.Contains("operate scope", page.Find("[data-test=add-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal("Backups", page.Find("[data-test=add-title]").GetAttribute("value"));
    }

    [Fact]
    public void Add_ValidNote_AddsAndConfirms()
    {
        var page = Render<KnowledgePage>();

        page.Find("[data-test=add-title]").Change("Backups");
        page.Find("[data-test=add-text]").Change("restic runs nightly");
        page.Find("[data-test=add-tags]").Change("backup, restic");
        page.Find("[data-test=add-form]").Submit();

        var added = Assert.Single(_knowledge.Added);
        Assert.Equal(("Backups", "restic runs nightly"), (added.Title, added.Text));
        Assert.Equal(["backup", "restic"], added.Tags);
        Assert.Contains("Added note", page.Find("[data-test=message]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_MissingTitle_ShowsErrorAndAddsNothing()
    {
        var page = Render<KnowledgePage>();

        page.Find("[data-test=add-text]").Change("text without a title");
        page.Find("[data-test=add-form]").Submit();

        Assert.Empty(_knowledge.Added);
        Assert.Contains("title is required", page.Find("[data-test=add-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_ServerDown_KeepsTheTypedText()
    {
        _knowledge.Failure = new KnowledgeUnavailableException("ChromaDB could not be reached");
        var page = Render<KnowledgePage>();

        page.Find("[data-test=add-title]").Change("Kept");
        page.Find("[data-test=add-text]").Change("still here");
        page.Find("[data-test=add-form]").Submit();

        Assert.Contains("could not be reached", page.Find("[data-test=add-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal("Kept", page.Find("[data-test=add-title]").GetAttribute("value"));
    }

    [Fact]
    public void Render_SearchFails_ShowsErrorWithRetry()
    {
        _knowledge.Failure = new KnowledgeUnavailableException("ChromaDB timed out");
        Services.GetRequiredService<NavigationManager>().NavigateTo("/knowledge?q=nginx");

        var page = Render<KnowledgePage>();

        Assert.Contains("ChromaDB timed out", page.Find("[data-test=search-error]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-test=retry]"));
    }

    [Fact]
    public void Render_NotConfigured_SaysWhichKeyToSet()
    {
        _knowledge.IsConfigured = false;

        var page = Render<KnowledgePage>();

        Assert.Contains("Macha:Knowledge:ChromaUrl", page.Find("[data-test=not-configured]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-test=add-form]"));
    }

    private static KnowledgeHit Hit(string collection, string id, string title, double similarity) =>
        new(collection, id, title, $"text of {title}", similarity, "person", new Dictionary<string, string>());

    private sealed class FakeKnowledgeBase : IKnowledgeBase
    {
        public bool IsConfigured { get; set; } = true;

        public KnowledgeUnavailableException? Failure { get; set; }

        public List<KnowledgeHit> Hits { get; } = [];

        public List<(string Query, KnowledgeCollection? Collection)> Searches { get; } = [];

        public List<(string Title, string Text, IReadOnlyList<string> Tags)> Added { get; } = [];

        public List<string> Deleted { get; } = [];

        public Task<IReadOnlyList<KnowledgeHit>> SearchAsync(string query, KnowledgeCollection? collection, int limit, CancellationToken cancellationToken = default)
        {
            Searches.Add((query, collection));
            return Failure is { } failure ? Task.FromException<IReadOnlyList<KnowledgeHit>>(failure) : Task.FromResult<IReadOnlyList<KnowledgeHit>>([.. Hits]);
        }

        public Task<KnowledgeNote> AddNoteAsync(string title, string text, IReadOnlyList<string> tags, CancellationToken cancellationToken = default)
        {
            if (Failure is { } failure)
            {
                return Task.FromException<KnowledgeNote>(failure);
            }

            Added.Add((title, text, tags));
            return Task.FromResult(new KnowledgeNote("note-new", title, text, tags, "person", DateTimeOffset.UnixEpoch));
        }

        public Task<bool> DeleteNoteAsync(string id, CancellationToken cancellationToken = default)
        {
            Deleted.Add(id);
            return Task.FromResult(true);
        }
    }
}
