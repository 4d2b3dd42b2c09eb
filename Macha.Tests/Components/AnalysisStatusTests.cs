using Bunit;
using Macha.Core.Analysis;
using Macha.Web.Components.Controls;

namespace Macha.Tests.Components;

public sealed class AnalysisStatusTests : MachaBunitContext
{
    [Fact]
    public void Render_Failed_ShowsAnalysisFailedWithTheReason()
    {
        var analysis = Analysis(AnalysisState.Failed);
        analysis.Reason = "the model server could not be reached: Connection refused";

        var status = Render<AnalysisStatus>(parameters => parameters.Add(p => p.Analysis, analysis));

        Assert.Contains("analysis failed: the model server could not be reached", status.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Succeeded_ShowsTheDecisionSummary()
    {
        var analysis = Analysis(AnalysisState.Succeeded);
        analysis.DecisionJson = """{"summary": "nginx failed on a bad directive."}""";

        var status = Render<AnalysisStatus>(parameters => parameters.Add(p => p.Analysis, analysis));

        Assert.Contains("nginx failed on a bad directive.", status.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoAnalysis_SaysNone()
    {
        var status = Render<AnalysisStatus>(parameters => parameters.Add(p => p.Analysis, null));

        Assert.Contains("none", status.Markup, StringComparison.Ordinal);
    }

    private static AnalysisRecord Analysis(AnalysisState state) => new()
    {
        Id = Guid.NewGuid(),
        IncidentId = Guid.NewGuid(),
        HostName = "web-1",
        Fingerprint = "abc",
        Model = "qwen3:8b",
        State = state,
    };
}
