using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Macha.Core.Storage.Audit;

namespace Macha.Tests.Storage.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly AuditTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task AppendAsync_FirstLine_WritesFieldsInOrder()
    {
        using var log = _files.OpenLog();

        var entry = await log.AppendAsync(AuditFile.Decisions, AuditTestFiles.Decision(0));

        var line = Assert.Single(_files.ReadLines());
        Assert.StartsWith(
            """{"seq":1,"at":"2026-12-04T11:00:00.0000000Z","type":"decision","actor":"macha","host":"web-1","incident_id":"5d1c3c55-8a8f-4f53-9f8e-2f7b6f0c1a01","data":{"number":0,"summary":"nginx.service failed, decision 0"},"prev":"0000000000000000000000000000000000000000000000000000000000000000","hash":""",
            line,
            StringComparison.Ordinal);
        Assert.EndsWith($"\"hash\":\"{entry.Hash}\"}}", line, StringComparison.Ordinal);
        Assert.Equal(1, entry.Seq);
    }

    [Fact]
    public async Task AppendAsync_AnyLine_HashMatchesDocumentedRule()
    {
        await _files.WriteDecisionsAsync(2);

        // The documented rule, applied by hand as a third party would.
        foreach (var line in _files.ReadLines())
        {
            var body = line[..line.LastIndexOf(",\"hash\":\"", StringComparison.Ordinal)] + "}";
            var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
            Assert.Equal(expected, JsonDocument.Parse(line).RootElement.GetProperty("hash").GetString());
        }
    }

    [Fact]
    public async Task AppendAsync_SecondLine_PrevHashesFirstLine()
    {
        await _files.WriteDecisionsAsync(2);

        var lines = _files.ReadLines();
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lines[0])));
        Assert.Equal(expected, JsonDocument.Parse(lines[1]).RootElement.GetProperty("prev").GetString());
    }

    [Fact]
    public async Task AppendAsync_AfterRestarts_ContinuesSeqAndChain()
    {
        await _files.WriteDecisionsAsync(3);
        await _files.WriteDecisionsAsync(2);
        using var third = _files.OpenLog();

        var entry = await third.AppendAsync(AuditFile.Decisions, AuditTestFiles.Decision(5));

        Assert.Equal(6, entry.Seq);
        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);
        Assert.True(result.IsIntact, result.FirstBreak?.Message);
        Assert.Equal(6, result.LinesChecked);
    }

    [Fact]
    public async Task AppendAsync_ConcurrentTasks_KeepChainIntact()
    {
        using var log = _files.OpenLog();

        var entries = await Task.WhenAll(Enumerable.Range(0, 40).Select(task => Task.Run(async () =>
        {
            var written = new List<AuditEntry>();
            for (var i = 0; i < 25; i++)
            {
                written.Add(await log.AppendAsync(AuditFile.Decisions, AuditTestFiles.Decision(task * 100 + i)));
            }

            return written;
        })));

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), entries.SelectMany(e => e).Select(e => e.Seq).Order());
        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);
        Assert.True(result.IsIntact, result.FirstBreak?.Message);
        Assert.Equal(1000, result.LinesChecked);
    }

    [Fact]
    public async Task AppendAsync_TornLastLine_ContinuesAfterIt()
    {
        await _files.WriteDecisionsAsync(3);
        var torn = """{"seq":4,"at":"2026-12-04T11:00:00.0000000Z","type":"deci""";
        await File.AppendAllTextAsync(_files.DecisionsPath, torn);
        using var log = _files.OpenLog();

        var entry = await log.AppendAsync(AuditFile.Decisions, AuditTestFiles.Decision(4));

        var lines = _files.ReadLines();
        Assert.Equal(torn, lines[3]);
        var marker = JsonDocument.Parse(lines[4]).RootElement;
        Assert.Equal(AuditEventTypes.TornLine, marker.GetProperty("type").GetString());
        Assert.Equal(5, marker.GetProperty("seq").GetInt64());
        Assert.Equal(4, marker.GetProperty("data").GetProperty("line").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(torn))), marker.GetProperty("prev").GetString());
        Assert.Equal(6, entry.Seq);
    }

    [Fact]
    public async Task AppendAsync_TornLastLine_VerifierReportsIt()
    {
        await _files.WriteDecisionsAsync(3);
        await File.AppendAllTextAsync(_files.DecisionsPath, """{"seq":4,"at":""");
        using var log = _files.OpenLog();
        await log.AppendAsync(AuditFile.Decisions, AuditTestFiles.Decision(4));

        var result = await AuditVerifier.VerifyAsync(_files.DecisionsPath);

        Assert.Equal(4, result.FirstBreak?.Line);
        Assert.Equal(AuditBreakKind.TornLine, result.FirstBreak?.Kind);
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task AppendAsync_NewFile_IsReadableByOwnerOnly()
    {
        await _files.WriteDecisionsAsync(1);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_files.DecisionsPath));
    }

    [Fact]
    public async Task AppendAsync_SecretsInData_AreMasked()
    {
        _files.Redactor.AddKnownSecret("AbGotifyToken123");
        using var log = _files.OpenLog();
        var data = new JsonObject
        {
            ["gotify_token"] = "tok-77f1e2",
            ["message"] = "POST /message?token=AbGotifyToken123 failed",
            ["command"] = new JsonArray("curl", "-H", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9abcdefgh"),
            ["nested"] = new JsonObject { ["db_password"] = "hunter2" },
        };

        await log.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionFailed, "macha", "web-1", null, data));

        var text = await File.ReadAllTextAsync(log.GetPath(AuditFile.Actions));
        Assert.DoesNotContain("tok-77f1e2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("AbGotifyToken123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJhbGciOiJIUzI1NiJ9abcdefgh", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Contains("failed", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendAsync_ApiTokenActor_KeepsTokenName()
    {
        using var log = _files.OpenLog();

        await log.AppendAsync(AuditFile.Decisions, new AuditEvent(AuditEventTypes.ApprovalApproved, "token:ci-7", "web-1", null));

        var line = JsonDocument.Parse(Assert.Single(_files.ReadLines())).RootElement;
        Assert.Equal("token:ci-7", line.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task AppendAsync_ActorInDataField_KeepsTokenName()
    {
        _files.Redactor.AddKnownSecret("s3cr3t-token-value");
        using var log = _files.OpenLog();
        var data = new System.Text.Json.Nodes.JsonObject
        {
            ["paused_by"] = "token:ci-7",
            ["approved_by"] = "token:s3cr3t-token-value",
            ["note"] = "token:abcdef123456",
        };

        await log.AppendAsync(AuditFile.Decisions, new AuditEvent(AuditEventTypes.AutonomyResumed, "token:ci-7", null, null, data));

        var line = JsonDocument.Parse(Assert.Single(_files.ReadLines())).RootElement.GetProperty("data");
        Assert.Equal("token:ci-7", line.GetProperty("paused_by").GetString());
        Assert.Equal("token:***", line.GetProperty("approved_by").GetString());
        Assert.Equal("token:***", line.GetProperty("note").GetString());
    }

    [Fact]
    public async Task AppendAsync_ActorWithKnownSecret_IsMasked()
    {
        _files.Redactor.AddKnownSecret("s3cr3t-token-value");
        using var log = _files.OpenLog();

        await log.AppendAsync(AuditFile.Decisions, new AuditEvent(AuditEventTypes.ApprovalApproved, "token:s3cr3t-token-value", "web-1", null));

        var line = JsonDocument.Parse(Assert.Single(_files.ReadLines())).RootElement;
        Assert.Equal("token:***", line.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task AppendAsync_TwoFiles_KeepSeparateChains()
    {
        using var log = _files.OpenLog();

        await log.AppendAsync(AuditFile.Decisions, AuditTestFiles.Decision(0));
        var action = await log.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionQueued, "macha", "web-1", null));

        Assert.Equal(1, action.Seq);
    }
}
