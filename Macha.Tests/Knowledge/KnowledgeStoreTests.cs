using Macha.Core.Analysis;
using Macha.Core.Knowledge;
using Macha.Core.Knowledge.Chroma;
using Macha.Tests.Fakes;

namespace Macha.Tests.Knowledge;

[Collection(ChromaTestCollection.Name)]
public sealed class KnowledgeStoreTests : IAsyncLifetime
{
    private readonly ChromaServerFixture _chroma;
    private KnowledgeTestBed _bed = default!;

    public KnowledgeStoreTests(ChromaServerFixture chroma)
    {
        _chroma = chroma;
    }

    public async Task InitializeAsync() => _bed = await KnowledgeTestBed.StartAsync(_chroma.Server.Uri);

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task PrepareAsync_SeedTwice_StoresEachNoteOnce()
    {
        var startup = _bed.Get<KnowledgeStartup>();
        var notes = SeedNotes.Load();

        var first = await startup.PrepareAsync();
        var embedCallsAfterFirst = _bed.Ollama.RequestBodies(FakeOllamaServer.Embed).Count;
        var second = await startup.PrepareAsync();

        Assert.InRange(notes.Count, 10, 20);
        Assert.Equal(notes.Count, first);
        Assert.Equal(0, second);
        Assert.Equal(embedCallsAfterFirst, _bed.Ollama.RequestBodies(FakeOllamaServer.Embed).Count);
        Assert.Equal(notes.Count, await CountAsync(KnowledgeCollection.Knowledge));
    }

    [Fact]
    public async Task SearchAsync_RelatedQuery_FindsSeedNote()
    {
        await _bed.Get<KnowledgeStartup>().PrepareAsync();
        await _bed.WaitUntilSearchableAsync(KnowledgeCollection.Knowledge, "journal fills /var/log vacuum journald disk", "seed-journal-disk-usage");

        var hits = await _bed.Store.SearchAsync("journal fills /var/log vacuum journald disk", [KnowledgeCollection.Knowledge], 3, 0.2, ModelRequestPriority.Interactive);

        var best = hits[0];
        Assert.Equal("seed-journal-disk-usage", best.Id);
        Assert.InRange(best.Similarity, 0.2, 1);
        Assert.True(hits.SequenceEqual(hits.OrderByDescending(h => h.Similarity)), "Hits must come most similar first.");
    }

    [Fact]
    public async Task SearchAsync_BelowMinSimilarity_ReturnsNothing()
    {
        var note = await _bed.Store.AddNoteAsync("nginx reload", "nginx fails after a reload when a certificate path is wrong", ["nginx"]);
        await _bed.WaitUntilSearchableAsync(KnowledgeCollection.Knowledge, "nginx certificate reload", note.Id);

        var loose = await _bed.Store.SearchAsync("nginx certificate reload", [KnowledgeCollection.Knowledge], 5, -1, ModelRequestPriority.Interactive);
        var strict = await _bed.Store.SearchAsync("nginx certificate reload", [KnowledgeCollection.Knowledge], 5, 0.999, ModelRequestPriority.Interactive);
        var unrelated = await _bed.Store.SearchAsync("zfs scrub pool degraded", [KnowledgeCollection.Knowledge], 5, 0.3, ModelRequestPriority.Interactive);

        Assert.Single(loose);
        Assert.Empty(strict);
        Assert.Empty(unrelated);
    }

    [Fact]
    public async Task AddNoteAsync_SameNoteTwice_KeepsOneWithTheSameId()
    {
        var first = await _bed.Store.AddNoteAsync("Backups", "Restic runs nightly from a timer.", ["backup", "restic"]);
        var second = await _bed.Store.AddNoteAsync("Backups", "Restic runs nightly from a timer.", ["backup", "restic"]);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(["backup", "restic"], second.Tags);
        Assert.Equal(KnowledgeSources.Person, second.Source);
        Assert.Equal(1, await CountAsync(KnowledgeCollection.Knowledge));
    }

    [Fact]
    public async Task DeleteNoteAsync_ExistingThenAgain_ReturnsTrueThenFalse()
    {
        var note = await _bed.Store.AddNoteAsync("Temporary", "Delete me.", []);

        Assert.True(await _bed.Store.DeleteNoteAsync(note.Id));
        Assert.False(await _bed.Store.DeleteNoteAsync(note.Id));
        Assert.Null(await _bed.Store.GetNoteAsync(note.Id));
    }

    [Fact]
    public async Task ReembedAsync_ModelChanged_CopiesNotes()
    {
        var note = await _bed.Store.AddNoteAsync("Swap on zram", "zramSwap.enable gives compressed swap in memory.", ["memory"]);
        var oldName = KnowledgeCollections.PhysicalName(KnowledgeCollection.Knowledge, KnowledgeTestBed.Model, KnowledgeTestBed.Dimensions[KnowledgeTestBed.Model]);
        await using var changed = await KnowledgeTestBed.StartAsync(_chroma.Server.Uri, model: "mxbai-embed-large", database: _bed.Database, ollama: _bed.Ollama);

        var copied = await changed.Store.ReembedAsync();
        await changed.WaitUntilSearchableAsync(KnowledgeCollection.Knowledge, "compressed swap zram", note.Id);
        var hits = await changed.Store.SearchAsync("compressed swap zram", [KnowledgeCollection.Knowledge], 3, 0.2, ModelRequestPriority.Interactive);

        Assert.Equal(1, copied);
        Assert.Equal(note.Id, hits[0].Id);
        var client = changed.Get<ChromaClientProvider>().Create();
        var names = (await client.ListCollectionsAsync("default_tenant", _bed.Database)).Select(c => c.Name).ToList();
        Assert.DoesNotContain(oldName, names);
        var current = await changed.Get<KnowledgeCollections>().GetAsync(KnowledgeCollection.Knowledge);
        Assert.Equal("mxbai-embed-large", current.GetMetadataString(KnowledgeCollections.ModelKey));
        Assert.Equal("96", current.GetMetadataString(KnowledgeCollections.DimensionKey));
    }

    [Fact]
    public async Task AddNoteAsync_CollectionRecreated_FindsItByName()
    {
        await _bed.Store.AddNoteAsync("First", "Before the collection was re-created.", []);
        var collections = _bed.Get<KnowledgeCollections>();
        var before = await collections.GetAsync(KnowledgeCollection.Knowledge);
        await _bed.Get<ChromaClientProvider>().Create().DeleteCollectionAsync("default_tenant", _bed.Database, before.Name);

        var note = await _bed.Store.AddNoteAsync("Second", "After the collection was re-created.", []);

        var after = await collections.GetAsync(KnowledgeCollection.Knowledge);
        Assert.NotEqual(before.Id, after.Id);
        Assert.NotNull(await _bed.Store.GetNoteAsync(note.Id));
    }

    [Fact]
    public async Task SearchAsync_ChromaUnreachable_ThrowsUnavailable()
    {
        await using var closed = await KnowledgeTestBed.StartAsync(new Uri("http://127.0.0.1:9/"), ollama: _bed.Ollama);

        await Assert.ThrowsAsync<KnowledgeUnavailableException>(() => closed.Store.SearchAsync("anything", [KnowledgeCollection.Knowledge], 3, 0, ModelRequestPriority.Interactive));
        var status = await closed.Get<KnowledgeStatus>().CheckAsync();

        Assert.Equal(KnowledgeState.Down, status.State);
        Assert.Contains("127.0.0.1:9", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_ServerAnswers_IsOkWithVersion()
    {
        var status = await _bed.Get<KnowledgeStatus>().CheckAsync();

        Assert.Equal(KnowledgeState.Ok, status.State);
        Assert.Contains("1.0.0", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_EmbeddingModelMissing_IsDegraded()
    {
        await using var missing = await KnowledgeTestBed.StartAsync(_chroma.Server.Uri, model: "never-pulled", ollama: _bed.Ollama);

        await Assert.ThrowsAsync<KnowledgeUnavailableException>(() => missing.Store.AddNoteAsync("t", "text", []));
        var status = await missing.Get<KnowledgeStatus>().CheckAsync();

        Assert.Equal(KnowledgeState.Degraded, status.State);
        Assert.Contains("never-pulled", status.Detail, StringComparison.Ordinal);
    }

    private async Task<int> CountAsync(KnowledgeCollection collection)
    {
        var target = await _bed.Get<KnowledgeCollections>().GetAsync(collection);
        return await _bed.Get<ChromaClientProvider>().Create().CountAsync(target);
    }
}
