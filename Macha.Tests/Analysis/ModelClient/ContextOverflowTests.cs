using Macha.Core.Analysis.ModelClient;
using Macha.Tests.Fakes;
using Microsoft.Extensions.AI;

namespace Macha.Tests.Analysis.ModelClient;

public sealed class ContextOverflowTests
{
    // About 16,000 tokens by the four-characters-per-token estimate, twice the fixture's num_ctx of 8192.
    private static readonly string LongPrompt = string.Concat(Enumerable.Repeat("Jan 01 nginx[42]: bind() to 0.0.0.0:80 failed. ", 1400));

    [Fact]
    public async Task GetResponseAsync_CountHalfOfWindow_ThrowsContextOverflow()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "ok", promptEvalCount: (ModelClientFixture.ContextTokens / 2) + 2));

        var exception = await Assert.ThrowsAsync<ContextOverflowException>(() =>
            fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(LongPrompt)));

        Assert.Equal(4098, exception.PromptEvalCount);
        Assert.Equal(ModelClientFixture.ContextTokens, exception.ContextTokens);
        Assert.True(exception.EstimatedPromptTokens > ModelClientFixture.ContextTokens);
    }

    [Fact]
    public async Task GetResponseAsync_CountEqualsNumCtx_ThrowsContextOverflow()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "ok", promptEvalCount: ModelClientFixture.ContextTokens));

        var exception = await Record.ExceptionAsync(() => fixture.Client.GetResponseAsync(ModelClientFixture.Prompt()));

        Assert.IsType<ContextOverflowException>(exception);
    }

    [Fact]
    public async Task GetResponseAsync_ShortPromptSmallCount_ReturnsAnswer()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "ok", promptEvalCount: 12));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt());

        Assert.Equal("ok", response.Text);
    }

    [Fact]
    public async Task GetResponseAsync_LongPromptFullyEvaluated_ReturnsAnswer()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText("llama3.1", "ok", promptEvalCount: 15_000));
        var options = new ChatOptions { AdditionalProperties = new() { ["num_ctx"] = 32_768 } };

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(LongPrompt), options);

        Assert.Equal("ok", response.Text);
    }

    [Fact]
    public async Task GetResponseAsync_CountMissing_ReturnsAnswer()
    {
        // Ollama omits prompt_eval_count when the whole prompt came from its cache.
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatText(ModelClientFixture.Model, "ok", promptEvalCount: 0));

        var response = await fixture.Client.GetResponseAsync(ModelClientFixture.Prompt(LongPrompt));

        Assert.Equal("ok", response.Text);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CountHalfOfWindow_ThrowsContextOverflow()
    {
        await using var fixture = await ModelClientFixture.StartAsync();
        fixture.Server.EnqueueChat(FakeOllamaResponses.ChatTextStream(ModelClientFixture.Model, ["o", "k"], promptEvalCount: 4098));

        var exception = await Record.ExceptionAsync(() =>
            fixture.Client.GetStreamingResponseAsync(ModelClientFixture.Prompt(LongPrompt)).ToChatResponseAsync());

        Assert.IsType<ContextOverflowException>(exception);
    }

    [Theory]
    [InlineData(4098, 16000, 8192, true)]
    [InlineData(8192, 100, 8192, true)]
    [InlineData(8000, 9000, 8192, false)]
    [InlineData(1000, 3000, 8192, false)]
    [InlineData(0, 16000, 8192, false)]
    [InlineData(null, 16000, 8192, false)]
    public void IsOverflow_Counts_MatchesRule(int? promptEvalCount, int estimatedTokens, int contextTokens, bool expected)
    {
        var overflow = ContextOverflowDetector.IsOverflow(promptEvalCount, estimatedTokens, contextTokens);

        Assert.Equal(expected, overflow);
    }
}
