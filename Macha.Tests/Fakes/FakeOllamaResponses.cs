using System.Net;
using System.Text.Json.Nodes;

namespace Macha.Tests.Fakes;

/// <summary>
/// Ollama responses for <see cref="FakeOllamaServer"/>: ordinary ones, and the real-world quirks read
/// from the recorded cases in TestData/cases (tool calls written as text, tool calls in a "done": false
/// chunk, and Ollama's error bodies).
/// </summary>
public static class FakeOllamaResponses
{
    public const string ToolCallInContentCase = "024-ollama-toolcall-in-content.txt";
    public const string StreamToolCallCase = "025-ollama-stream-toolcall-chunks.txt";
    public const string ErrorBodiesCase = "027-ollama-error-bodies.txt";

    /// <summary>A non-streamed /api/chat answer with text content and "done_reason": "stop".</summary>
    public static FakeOllamaResponse ChatText(string model, string content, int promptEvalCount = 100, int evalCount = 20) =>
        FakeOllamaResponse.Json(new JsonObject
        {
            ["model"] = model,
            ["created_at"] = "2026-12-01T10:00:00.000000Z",
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
            ["done_reason"] = "stop",
            ["done"] = true,
            ["total_duration"] = 1_000_000_000,
            ["prompt_eval_count"] = promptEvalCount,
            ["eval_count"] = evalCount,
        }.ToJsonString());

    /// <summary>A non-streamed /api/chat answer with one proper tool call; arguments are an object, as /api/chat sends them.</summary>
    public static FakeOllamaResponse ChatToolCall(string model, string toolName, string argumentsJson, int promptEvalCount = 100) =>
        FakeOllamaResponse.Json(new JsonObject
        {
            ["model"] = model,
            ["created_at"] = "2026-12-01T10:00:00.000000Z",
            ["message"] = new JsonObject
            {
                ["role"] = "assistant",
                ["content"] = string.Empty,
                ["tool_calls"] = new JsonArray(new JsonObject
                {
                    ["function"] = new JsonObject { ["name"] = toolName, ["arguments"] = JsonNode.Parse(argumentsJson) },
                }),
            },
            ["done_reason"] = "stop",
            ["done"] = true,
            ["prompt_eval_count"] = promptEvalCount,
            ["eval_count"] = 10,
        }.ToJsonString());

    /// <summary>A streamed answer: one chunk per text piece, then the final chunk with the counts.</summary>
    public static FakeOllamaResponse ChatTextStream(string model, IEnumerable<string> pieces, int promptEvalCount = 100)
    {
        var lines = pieces.Select(piece => new JsonObject
        {
            ["model"] = model,
            ["created_at"] = "2026-12-01T10:00:00.000000Z",
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = piece },
            ["done"] = false,
        }.ToJsonString()).ToList();
        lines.Add(FinalChunk(model, promptEvalCount));
        return FakeOllamaResponse.Stream(lines);
    }

    /// <summary>The last NDJSON line of a stream: empty content, "done": true and the counts.</summary>
    public static string FinalChunk(string model, int promptEvalCount = 100) => new JsonObject
    {
        ["model"] = model,
        ["created_at"] = "2026-12-01T10:00:01.000000Z",
        ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = string.Empty },
        ["done_reason"] = "stop",
        ["done"] = true,
        ["prompt_eval_count"] = promptEvalCount,
        ["eval_count"] = 10,
    }.ToJsonString();

    /// <summary>An error status with Ollama's native envelope, {"error":"message"}.</summary>
    public static FakeOllamaResponse OllamaError(HttpStatusCode status, string message) =>
        FakeOllamaResponse.Error(status, new JsonObject { ["error"] = message }.ToJsonString());

    public static FakeOllamaResponse Tags(params string[] models) =>
        FakeOllamaResponse.Json(new JsonObject
        {
            ["models"] = new JsonArray([.. models.Select(name => (JsonNode)new JsonObject { ["name"] = name, ["model"] = name, ["size"] = 5_000_000_000 })]),
        }.ToJsonString());

    public static FakeOllamaResponse VersionOf(string version) =>
        FakeOllamaResponse.Json(new JsonObject { ["version"] = version }.ToJsonString());

    public static FakeOllamaResponse Show(string family, params string[] capabilities) =>
        FakeOllamaResponse.Json(new JsonObject
        {
            ["details"] = new JsonObject { ["family"] = family, ["format"] = "gguf" },
            ["capabilities"] = new JsonArray([.. capabilities.Select(capability => (JsonNode)capability)]),
        }.ToJsonString());

    public static FakeOllamaResponse Embeddings(string model, params float[][] vectors) =>
        FakeOllamaResponse.Json(new JsonObject
        {
            ["model"] = model,
            ["embeddings"] = new JsonArray([.. vectors.Select(vector => (JsonNode)new JsonArray([.. vector.Select(value => (JsonNode)value)]))]),
            ["prompt_eval_count"] = vectors.Length * 8,
        }.ToJsonString());

    /// <summary>Case 024 input A, B, C or D as the /api/chat answer that carries it ("done_reason": "stop", no tool_calls).</summary>
    public static FakeOllamaResponse ToolCallInContent(char input) => input switch
    {
        // Ollama writes each response as one line; the reporter of input A pretty-printed it.
        'A' or 'C' => FakeOllamaResponse.Json(JsonNode.Parse(ReadCaseInput(ToolCallInContentCase, input.ToString()))!.ToJsonString()),
        'B' => ChatText("llama3.2:3b", ReadCaseInput(ToolCallInContentCase, "B")),
        'D' => ChatText("qwen3:32b", JsonNode.Parse(ReadCaseInput(ToolCallInContentCase, "D"))!["content"]!.GetValue<string>()),
        _ => throw new ArgumentOutOfRangeException(nameof(input), input, "Case 024 has inputs A to D."),
    };

    /// <summary>Case 025 input A: the tool call in a "done": false chunk, then a final chunk without it.</summary>
    public static FakeOllamaResponse StreamedToolCallInNotDoneChunk(bool splitLines = false) =>
        FakeOllamaResponse.Stream(ReadCaseLines(StreamToolCallCase, "A"), splitLines);

    /// <summary>
    /// Case 025 input B: an old server streams the call as content tokens. The case records only the
    /// first chunks; <paramref name="withFinalChunk"/> adds a final chunk so the stream ends properly.
    /// </summary>
    public static FakeOllamaResponse StreamedToolCallAsContentTokens(bool withFinalChunk) =>
        FakeOllamaResponse.Stream(withFinalChunk
            ? [.. ReadCaseLines(StreamToolCallCase, "B"), FinalChunk("mistral")]
            : ReadCaseLines(StreamToolCallCase, "B"));

    /// <summary>404 with case 027 input A1's body: model "mistral" not found, newer wording with double quotes.</summary>
    public static FakeOllamaResponse ModelNotFound() =>
        FakeOllamaResponse.Error(HttpStatusCode.NotFound, ReadCaseInput(ErrorBodiesCase, "A1"));

    /// <summary>404 with case 027 input A2's older wording ('llama2' in single quotes), in the native envelope.</summary>
    public static FakeOllamaResponse ModelNotFoundOlderWording() =>
        OllamaError(HttpStatusCode.NotFound, ReadCaseInput(ErrorBodiesCase, "A2"));

    /// <summary>400 with case 027 input B1's body: the error is a string, as on /api/chat.</summary>
    public static FakeOllamaResponse ToolsUnsupported() =>
        FakeOllamaResponse.Error(HttpStatusCode.BadRequest, ReadCaseInput(ErrorBodiesCase, "B1"));

    /// <summary>400 with case 027 input B2's body: the error is an object, as on /v1.</summary>
    public static FakeOllamaResponse ToolsUnsupportedObjectEnvelope()
    {
        var recorded = ReadCaseInput(ErrorBodiesCase, "B2");
        var body = recorded[(recorded.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
        return FakeOllamaResponse.Error(HttpStatusCode.BadRequest, body);
    }

    /// <summary>
    /// 500 for case 027 input C, a qwen3 tool call cut off. The report has no body, so this sends none.
    /// </summary>
    public static FakeOllamaResponse TruncatedToolCallServerError() =>
        FakeOllamaResponse.Error(HttpStatusCode.InternalServerError, string.Empty, "text/plain");

    /// <summary>A 200 whose JSON body ends inside a tool call, as when a proxy or a crash cuts the response.</summary>
    public static FakeOllamaResponse TruncatedToolCallBody() =>
        FakeOllamaResponse.Json("{\"model\":\"qwen3:8b\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"function\":{\"name\":\"unit_status\",\"arguments\":{\"unit\":\"ngi");

    /// <summary>500 for case 027 input D1: the runner was killed. The API wraps the CLI's text in {"error":...}.</summary>
    public static FakeOllamaResponse RunnerKilled() =>
        OllamaError(HttpStatusCode.InternalServerError, ReadCaseInput(ErrorBodiesCase, "D1").Replace("Error: ", string.Empty, StringComparison.Ordinal));

    /// <summary>500 for case 027 input D2, with Go's "%!w(&lt;nil&gt;)" artefact.</summary>
    public static FakeOllamaResponse RunnerTerminatedWithGoArtefact() =>
        OllamaError(HttpStatusCode.InternalServerError, ReadCaseInput(ErrorBodiesCase, "D2"));

    /// <summary>400 with case 027 input E's body: tool arguments were sent back as a JSON string.</summary>
    public static FakeOllamaResponse StringifiedArgumentsRejected() =>
        FakeOllamaResponse.Error(HttpStatusCode.BadRequest, ReadCaseInput(ErrorBodiesCase, "E"));

    /// <summary>Returns the text under "===== input X: ... =====" in a case file, trimmed.</summary>
    public static string ReadCaseInput(string caseFile, string input)
    {
        var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "cases", caseFile)).ReplaceLineEndings("\n");
        var marker = $"===== input {input}:";
        var start = text.IndexOf(marker, StringComparison.Ordinal);
        if (start < 0)
        {
            throw new InvalidOperationException($"{caseFile} has no input {input}.");
        }

        var bodyStart = text.IndexOf('\n', start) + 1;
        var end = text.IndexOf("\n===== input ", bodyStart, StringComparison.Ordinal);
        return (end < 0 ? text[bodyStart..] : text[bodyStart..end]).Trim();
    }

    private static string[] ReadCaseLines(string caseFile, string input) =>
        ReadCaseInput(caseFile, input).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
