using OllamaSharp;
using OllamaSharp.Models;

namespace Macha.Core.Analysis.ModelClient;

/// <summary>
/// OllamaSharp's client, with streamed responses that stop when the request's token is cancelled.
/// OllamaSharp 5.5.2 reads NDJSON lines with StreamReader.ReadLineAsync() without a token and checks
/// the token only between lines, so a stalled stream outlives any timeout. Disposing the response on
/// cancellation aborts the pending read.
/// </summary>
internal sealed class CancellableOllamaApiClient(HttpClient httpClient, string defaultModel) : OllamaApiClient(httpClient, defaultModel)
{
    protected override async Task<HttpResponseMessage> SendToOllamaAsync(
        HttpRequestMessage requestMessage,
        OllamaRequest? ollamaRequest,
        HttpCompletionOption completionOption,
        CancellationToken cancellationToken)
    {
        var response = await base.SendToOllamaAsync(requestMessage, ollamaRequest, completionOption, cancellationToken);
        if (completionOption == HttpCompletionOption.ResponseHeadersRead && cancellationToken.CanBeCanceled)
        {
            // The registration ends with the token's source, which ToolCallRecoveringChatClient disposes
            // when the request ends.
            cancellationToken.Register(static state => ((HttpResponseMessage)state!).Dispose(), response);
        }

        return response;
    }
}
