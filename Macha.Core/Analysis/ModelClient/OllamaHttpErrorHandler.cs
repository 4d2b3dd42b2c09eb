using System.Text;

namespace Macha.Core.Analysis.ModelClient;

/// <summary>
/// Reads the body of every non-success response from Ollama and throws
/// <see cref="ModelUnavailableException"/>. OllamaSharp 5.5.2 reads bodies only of 400 responses,
/// and fails on the object envelope of /v1 errors; for 404 and 500 it throws
/// HttpRequestException without the body, which is the only place "model not found" is written.
/// </summary>
internal sealed class OllamaHttpErrorHandler : DelegatingHandler
{
    // Ollama's error bodies are one short JSON object; a larger body is not read to the end.
    private const int MaxErrorBodyBytes = 16 * 1024;

    private readonly string _modelName;

    public OllamaHttpErrorHandler(string modelName, HttpMessageHandler innerHandler)
        : base(innerHandler)
    {
        _modelName = modelName;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await ReadCappedAsync(response.Content, cancellationToken);
            var endpoint = request.RequestUri ?? new Uri("http://unknown");
            throw OllamaErrors.FromResponse(response.StatusCode, body, endpoint, _modelName);
        }
    }

    private static async Task<string> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxErrorBodyBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        return Encoding.UTF8.GetString(buffer, 0, length);
    }
}
