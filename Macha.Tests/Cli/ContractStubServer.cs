using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Macha.Tests.Cli;

/// <summary>
/// A small HTTP server on loopback that serves the shared API contracts of endpoints other
/// areas own (knowledge, discussions) and with the 401 and 403 problems of token checks, and records
/// the Authorization header of each request.
/// </summary>
/// <remarks>
/// NOTE: it stands in for the real knowledge and discussion endpoints, which were not on main when
/// these tests were written; once they are, the same CLI tests should run against
/// <see cref="CliTestServer"/>. <see cref="CliAuthorizationTests"/> covers real API tokens.
/// </remarks>
public sealed class ContractStubServer : IAsyncDisposable
{
    public const string OperateToken = "operate-token-for-tests";
    public const string ReadToken = "read-token-for-tests";

    private readonly WebApplication _app;

    private ContractStubServer(WebApplication app, string url)
    {
        _app = app;
        Url = url;
    }

    public string Url { get; }

    public ConcurrentQueue<string?> AuthorizationHeaders { get; } = new();

    public ConcurrentQueue<string> Bodies { get; } = new();

    public static async Task<ContractStubServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();

        // The test output contains Macha.Web's appsettings.json, whose Kestrel endpoints would replace ours.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        ContractStubServer? server = null;

        app.Use(async (context, next) =>
        {
            var authorization = context.Request.Headers.Authorization.ToString();
            server!.AuthorizationHeaders.Enqueue(authorization.Length == 0 ? null : authorization);
            context.Request.EnableBuffering();
            using (var reader = new StreamReader(context.Request.Body, leaveOpen: true))
            {
                server.Bodies.Enqueue(await reader.ReadToEndAsync());
            }

            context.Request.Body.Position = 0;
            if (authorization != $"Bearer {OperateToken}" && authorization != $"Bearer {ReadToken}")
            {
                await Results.Problem("Send an API token as a bearer token.", statusCode: 401, title: "Unauthorized").ExecuteAsync(context);
                return;
            }

            if (HttpMethods.IsPost(context.Request.Method) && authorization == $"Bearer {ReadToken}")
            {
                await Results.Problem("This token has the read scope; this needs operate.", statusCode: 403, title: "Forbidden").ExecuteAsync(context);
                return;
            }

            await next(context);
        });

        app.MapGet("/api/knowledge/search", (string q, int? limit, string? collection) => Results.Ok(new[]
        {
            new { collection = collection ?? "notes", id = "note-1", title = $"About {q}", text = "Run journalctl --vacuum-size when /var/log fills.", similarity = 0.87, source = "person", metadata = new Dictionary<string, string>() },
        }.Take(limit ?? 10)));
        app.MapPost("/api/knowledge", (NoteRequest note) => Results.Ok(new { id = "note-2", note.Title, note.Text, note.Tags }));
        app.MapGet("/api/approvals/{id:guid}/discussion", (Guid id) => Results.Ok(new[]
        {
            new { id = 1L, role = "User", author = "alice", text = "Why restart nginx?", at = DateTimeOffset.Parse("2026-12-04T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture) },
            new { id = 2L, role = "Assistant", author = "macha", text = "It failed after a config change.", at = DateTimeOffset.Parse("2026-12-04T10:00:05Z", System.Globalization.CultureInfo.InvariantCulture) },
        }));
        app.MapPost("/api/approvals/{id:guid}/discussion", (Guid id, DiscussionRequest body) =>
            Results.Ok(new { id = 3L, role = "Assistant", author = "macha", text = $"Reply to: {body.Message}", at = DateTimeOffset.UtcNow }));
        app.MapGet("/api/health", () => Results.Ok(new { status = "Healthy", checks = Array.Empty<object>() }));

        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server = new ContractStubServer(app, url);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record NoteRequest(string? Title, string? Text, string[]? Tags);

    private sealed record DiscussionRequest(string? Message);
}
