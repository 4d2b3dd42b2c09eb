using System.Text.Json.Nodes;
using Macha.Core.Storage.Audit;

namespace Macha.Tests.Storage.Audit;

public sealed class AuditVerifierTests : IDisposable
{
    private readonly AuditTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task VerifyAsync_IntactFile_ReportsEveryLineChecked()
    {
        await _files.WriteDecisionsAsync(5);

        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.True(result.IsIntact, result.FirstBreak?.Message);
        Assert.Equal(5, result.LinesChecked);
    }

    [Fact]
    public async Task VerifyAsync_MissingFile_IsIntactAndAbsent()
    {
        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.False(result.Exists);
        Assert.True(result.IsIntact);
        Assert.Equal(0, result.LinesChecked);
    }

    [Fact]
    public async Task VerifyAsync_EmptyFile_IsIntact()
    {
        await File.WriteAllTextAsync(_files.DecisionsPath, string.Empty);

        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.True(result.Exists);
        Assert.True(result.IsIntact);
        Assert.Equal(0, result.LinesChecked);
    }

    [Fact]
    public async Task VerifyAsync_EditedLine_ReportsHashMismatch()
    {
        await _files.WriteDecisionsAsync(5);
        var lines = _files.ReadLines();
        lines[2] = lines[2].Replace("nginx.service", "nginx.servicf", StringComparison.Ordinal);
        _files.WriteLines(lines);

        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.Equal(3, result.FirstBreak?.Line);
        Assert.Equal(AuditBreakKind.HashMismatch, result.FirstBreak?.Kind);
    }

    [Fact]
    public async Task VerifyAsync_DeletedLine_ReportsSeqGap()
    {
        await _files.WriteDecisionsAsync(5);
        var lines = _files.ReadLines().ToList();
        lines.RemoveAt(2);
        _files.WriteLines(lines);

        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.Equal(3, result.FirstBreak?.Line);
        Assert.Equal(AuditBreakKind.SeqGap, result.FirstBreak?.Kind);
    }

    [Fact]
    public async Task VerifyAsync_SwappedLines_ReportsSeqGap()
    {
        await _files.WriteDecisionsAsync(5);
        var lines = _files.ReadLines();
        (lines[1], lines[2]) = (lines[2], lines[1]);
        _files.WriteLines(lines);

        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.Equal(2, result.FirstBreak?.Line);
        Assert.Equal(AuditBreakKind.SeqGap, result.FirstBreak?.Kind);
    }

    [Fact]
    public async Task VerifyAsync_LastLineTruncated_ReportsTornLine()
    {
        await _files.WriteDecisionsAsync(5);
        using (var stream = new FileStream(_files.DecisionsPath, FileMode.Open))
        {
            stream.SetLength(stream.Length - 20);
        }

        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.Equal(5, result.FirstBreak?.Line);
        Assert.Equal(AuditBreakKind.TornLine, result.FirstBreak?.Kind);
    }

    [Fact]
    public async Task VerifyAsync_ForeignLine_ReportsPrevMismatch()
    {
        await _files.WriteDecisionsAsync(3);
        using var other = new AuditTestFiles();
        using (var log = other.OpenLog())
        {
            await log.AppendAsync(AuditFile.Decisions, new AuditEvent(AuditEventTypes.Decision, "someone", null, null));
            await log.AppendAsync(AuditFile.Decisions, AuditTestFiles.Decision(1));
        }

        // Line 2 of the other file is valid on its own and has seq 2, but follows a different line 1.
        var lines = _files.ReadLines();
        lines[1] = other.ReadLines()[1];
        _files.WriteLines(lines);

        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.Equal(2, result.FirstBreak?.Line);
        Assert.Equal(AuditBreakKind.PrevMismatch, result.FirstBreak?.Kind);
    }

    [Fact]
    public async Task VerifyAsync_LineNotJson_ReportsBadJson()
    {
        await _files.WriteDecisionsAsync(3);
        var lines = _files.ReadLines();
        lines[1] = "not json";
        _files.WriteLines(lines);

        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.Equal(2, result.FirstBreak?.Line);
        Assert.Equal(AuditBreakKind.BadJson, result.FirstBreak?.Kind);
    }

    [Fact]
    public async Task VerifyAsync_HashMemberRemoved_ReportsInvalidEntry()
    {
        await _files.WriteDecisionsAsync(2);
        var lines = _files.ReadLines();
        var first = JsonNode.Parse(lines[0])!.AsObject();
        first.Remove("hash");
        lines[0] = first.ToJsonString();
        _files.WriteLines(lines);

        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.Equal(1, result.FirstBreak?.Line);
        Assert.Equal(AuditBreakKind.InvalidEntry, result.FirstBreak?.Kind);
    }
}
