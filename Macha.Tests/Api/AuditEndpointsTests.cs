using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Core.Storage.Audit;
using Macha.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Api;

public sealed class AuditEndpointsTests : IDisposable
{
    private readonly MachaWebFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task GetVerify_IntactFiles_ReturnsNoBreak()
    {
        using var client = _factory.CreateClient();
        var audit = _factory.Services.GetRequiredService<IAuditLog>();
        var before = await CountDecisionLinesAsync(client);
        await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionQueued, "macha", "web-1", null));

        var response = await client.GetAsync(new Uri("/api/audit/verify", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("intact").GetBoolean());
        Assert.Equal(1, body.GetProperty("actions").GetProperty("linesChecked").GetInt64());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("actions").GetProperty("firstBreak").ValueKind);
        Assert.True(body.GetProperty("decisions").GetProperty("linesChecked").GetInt64() >= before);
    }

    [Fact]
    public async Task GetVerify_EditedLine_ReturnsTheBrokenLine()
    {
        using var client = _factory.CreateClient();
        var audit = _factory.Services.GetRequiredService<IAuditLog>();
        for (var i = 0; i < 3; i++)
        {
            await audit.AppendAsync(AuditFile.Actions, new AuditEvent(AuditEventTypes.ActionSucceeded, "macha", "web-1", null, new() { ["unit"] = "nginx.service" }));
        }

        var path = audit.GetPath(AuditFile.Actions);
        var lines = await File.ReadAllLinesAsync(path);
        lines[1] = lines[1].Replace("nginx.service", "sshd.service", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(path, lines);

        var body = await client.GetFromJsonAsync<JsonElement>("/api/audit/verify");

        Assert.False(body.GetProperty("intact").GetBoolean());
        var firstBreak = body.GetProperty("actions").GetProperty("firstBreak");
        Assert.Equal(2, firstBreak.GetProperty("line").GetInt64());
        Assert.Equal("HashMismatch", firstBreak.GetProperty("kind").GetString());
    }

    private static async Task<long> CountDecisionLinesAsync(HttpClient client)
    {
        var body = await client.GetFromJsonAsync<JsonElement>("/api/audit/verify");
        return body.GetProperty("decisions").GetProperty("linesChecked").GetInt64();
    }
}
