using Bunit;
using Macha.Core.Analysis;
using Macha.Web.Components.Controls;

namespace Macha.Tests.Components;

public sealed class RetrievalSummaryTests : MachaBunitContext
{
    [Fact]
    public void Render_Retrieved_ListsTitlesWithSimilarity()
    {
        var analysis = Analysis();
        analysis.RetrievedJson = """[{"Collection":"knowledge","Id":"seed-a","Title":"Failed units","Similarity":0.734}]""";

        var summary = Render<RetrievalSummary>(parameters => parameters.Add(p => p.Analysis, analysis));

        Assert.Contains("retrieved 1: Failed units (0.73)", summary.Find("[data-test=retrieval]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Unavailable_SaysNoRetrievalWithReason()
    {
        var analysis = Analysis();
        analysis.RetrievalNote = "the knowledge base was unavailable";

        var summary = Render<RetrievalSummary>(parameters => parameters.Add(p => p.Analysis, analysis));

        var note = summary.Find("[data-test=retrieval-note]");
        Assert.Equal("no retrieval", note.TextContent);
        Assert.Equal("the knowledge base was unavailable", note.GetAttribute("title"));
    }

    private static AnalysisRecord Analysis() => new()
    {
        Id = Guid.NewGuid(),
        IncidentId = Guid.NewGuid(),
        HostName = "web-1",
        Fingerprint = "abc",
        Model = "qwen3:8b",
        State = AnalysisState.Succeeded,
    };
}
