using System.Net;
using System.Net.Sockets;
using Macha.Core.Analysis;
using Macha.Core.Analysis.ModelClient;
using Macha.Tests.Fakes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Analysis.ModelClient;

public sealed class ModelClientFailureTests
{
    private const string PromptText = "Why did nginx.service fail? secret-token-7734";

    [Fact]
    public async Task GetResponseAsync_ModelNotFound_ThrowsModelMissing()
    {
        var exception = await FailAsync(FakeOllamaResponses.ModelNotFound());

        Assert.Equal(ModelUnavailableReason.ModelMissing, exception.Reason);
        Assert.Equal(404, exception.StatusCode);
        Assert.Contains("ollama pull qwen3:8b", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_ModelNotFoundOlderWording_ThrowsModelMissing()
    {
        var exception = await FailAsync(FakeOllamaResponses.ModelNotFoundOlderWording());

        Assert.Equal(ModelUnavailableReason.ModelMissing, exception.Reason);
    }

    [Fact]
    public async Task GetResponseAsync_ModelNotFoundAsPlainText_ThrowsModelMissing()
    {
        var body = FakeOllamaResponses.ReadCaseInput(FakeOllamaResponses.ErrorBodiesCase, "A2");

        var exception = await FailAsync(FakeOllamaResponse.Error(HttpStatusCode.NotFound, body, "text/plain"));

        Assert.Equal(ModelUnavailableReason.ModelMissing, exception.Reason);
    }

    [Fact]
    public async Task GetResponseAsync_ToolsNotSupported_ThrowsToolsUnsupported()
    {
        var exception = await FailAsync(FakeOllamaResponses.ToolsUnsupported());

        Assert.Equal(ModelUnavailableReason.ToolsUnsupported, exception.Reason);
        Assert.Equal(400, exception.StatusCode);
    }

    [Fact]
    public async Task GetResponseAsync_ToolsErrorAsObject_ThrowsToolsUnsupported()
    {
        var exception = await FailAsync(FakeOllamaResponses.ToolsUnsupportedObjectEnvelope());

        Assert.Equal(ModelUnavailableReason.ToolsUnsupported, exception.Reason);
    }

    [Fact]
    public async Task GetResponseAsync_EmptyServerError_ThrowsServerError()
    {
        var exception = await FailAsync(FakeOllamaResponses.TruncatedToolCallServerError());

        Assert.Equal(ModelUnavailableReason.ServerError, exception.Reason);
        Assert.Equal(500, exception.StatusCode);
    }

    [Fact]
    public async Task GetResponseAsync_TruncatedToolCallBody_ThrowsServerError()
    {
        var exception = await FailAsync(FakeOllamaResponses.TruncatedToolCallBody());

        Assert.Equal(ModelUnavailableReason.ServerError, exception.Reason);
        Assert.Null(exception.StatusCode);
    }

    [Fact]
    public async Task GetResponseAsync_RunnerKilled_ThrowsServerErrorNamingMemory()
    {
        var exception = await FailAsync(FakeOllamaResponses.RunnerKilled());

        Assert.Equal(ModelUnavailableReason.ServerError, exception.Reason);
        Assert.Contains("out-of-memory", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_RunnerTerminated_ThrowsServerErrorWithoutGoArtefact()
    {
        var exception = await FailAsync(FakeOllamaResponses.RunnerTerminatedWithGoArtefact());

        Assert.Equal(ModelUnavailableReason.ServerError, exception.Reason);
        Assert.DoesNotContain("%!w", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResponseAsync_StringifiedArguments_ThrowsBadRequest()
    {
        var exception = await FailAsync(FakeOllamaResponses.StringifiedArgumentsRejected());

        Assert.Equal(ModelUnavailableReason.BadRequest, exception.Reason);
        Assert.Equal(400, exception.StatusCode);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ModelNotFound_ThrowsModelMissing()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ModelNotFound());

        var exception = await Assert.ThrowsAsync<ModelUnavailableException>(() =>
            fixture.Client.GetStreamingResponseAsync(ModelClientFixture.Prompt()).ToChatResponseAsync());

        Assert.Equal(ModelUnavailableReason.ModelMissing, exception.Reason);
    }

    [Fact]
    public async Task GetResponseAsync_ServerHangsPastTimeout_ThrowsTimeout()
    {
        await using var fixture = await ModelClientFixture.StartAsync(requestTimeout: TimeSpan.FromMilliseconds(300));
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "late") with { Hang = true });

        var exception = await Assert.ThrowsAsync<ModelUnavailableException>(() => fixture.Client.GetResponseAsync(ModelClientFixture.Prompt()));

        Assert.Equal(ModelUnavailableReason.Timeout, exception.Reason);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_StreamStallsPastTimeout_ThrowsTimeout()
    {
        // Headers and the first chunk arrive at once, so HttpClient.Timeout alone would not end this request.
        await using var fixture = await ModelClientFixture.StartAsync(requestTimeout: TimeSpan.FromMilliseconds(500));
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatTextStream(ModelClientFixture.Model, ["first ", "second"]) with { DelayBetweenParts = TimeSpan.FromSeconds(30) });

        var exception = await Assert.ThrowsAsync<ModelUnavailableException>(() =>
            fixture.Client.GetStreamingResponseAsync(ModelClientFixture.Prompt()).ToChatResponseAsync());

        Assert.Equal(ModelUnavailableReason.Timeout, exception.Reason);
    }

    [Fact]
    public async Task GetResponseAsync_SlowButWithinTimeout_ReturnsAnswer()
    {
        await using var fixture = await ModelClientFixture.StartAsync(requestTimeout: TimeSpan.FromSeconds(60));
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "slow") with { Delay = TimeSpan.FromMilliseconds(200) });

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt());

        Assert.Equal("slow", response.Text);
    }

    [Fact]
    public async Task GetResponseAsync_CallerCancels_ThrowsOperationCanceled()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "never") with { Hang = true });
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var exception = await Record.ExceptionAsync(() => fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(), cancellationToken: cancellation.Token));

        Assert.IsAssignableFrom<OperationCanceledException>(exception);
    }

    [Fact]
    public async Task GetResponseAsync_OllamaStopped_ThrowsUnreachable()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        await fixture.Server.StopAsync();

        var exception = await Assert.ThrowsAsync<ModelUnavailableException>(() => fixture.Client.GetResponseAsync(ModelClientFixture.Prompt()));

        Assert.Equal(ModelUnavailableReason.Unreachable, exception.Reason);
        Assert.IsType<HttpRequestException>(exception.InnerException);
    }

    [Fact]
    public async Task GetResponseAsync_NothingListening_ThrowsUnreachable()
    {
        var port = FreePort();
        using var client = OllamaChatClientFactory.Create(
            new AnalysisOptions { OllamaUrl = new Uri($"http://127.0.0.1:{port}") },
            NullLoggerFactory.Instance,
            TimeProvider.System);

        var exception = await Assert.ThrowsAsync<ModelUnavailableException>(() => client.GetResponseAsync(ModelClientFixture.Prompt()));

        Assert.Equal(ModelUnavailableReason.Unreachable, exception.Reason);
    }

    [Fact]
    public async Task GetResponseAsync_CredentialsInUrl_MessageOmitsThem()
    {
        await using var server = await FakeOllamaServer.StartAsync();
        server.EnqueueChat(FakeOllamaResponses.ModelNotFound());
        var url = new UriBuilder(server.Uri) { UserName = "admin", Password = "hunter2" }.Uri;
        using var client = OllamaChatClientFactory.Create(new AnalysisOptions { OllamaUrl = url }, NullLoggerFactory.Instance, TimeProvider.System);

        var exception = await Assert.ThrowsAsync<ModelUnavailableException>(() => client.GetResponseAsync(ModelClientFixture.Prompt()));

        Assert.DoesNotContain("hunter2", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("admin", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('1')]
    [InlineData('2')]
    [InlineData('3')]
    [InlineData('4')]
    [InlineData('5')]
    [InlineData('6')]
    public async Task GetResponseAsync_AnyFailure_MessageOmitsPrompt(char failure)
    {
        var response = failure switch
        {
            '1' => FakeOllamaResponses.ModelNotFound(),
            '2' => FakeOllamaResponses.ToolsUnsupported(),
            '3' => FakeOllamaResponses.RunnerKilled(),
            '4' => FakeOllamaResponses.StringifiedArgumentsRejected(),
            '5' => FakeOllamaResponses.TruncatedToolCallBody(),
            _ => FakeOllamaResponses.TruncatedToolCallServerError(),
        };

        var exception = await FailAsync(response);

        Assert.DoesNotContain("secret-token-7734", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("nginx", exception.Message, StringComparison.Ordinal);
    }

    private static async Task<ModelUnavailableException> FailAsync(FakeOllamaResponse response)
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(response);

        return await Assert.ThrowsAsync<ModelUnavailableException>(() =>
            fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(PromptText), ModelClientFixture.WithTools("unit_status")));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
