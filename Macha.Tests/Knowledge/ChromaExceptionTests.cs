using System.Net;
using Macha.Core.Knowledge.Chroma;
using Macha.Tests.TestData;

namespace Macha.Tests.Knowledge;

public sealed class ChromaExceptionTests
{
    private const string ErrorBodies = "029-chroma-error-bodies.txt";

    [Fact]
    public void FromResponse_ConflictBody_IsConflict()
    {
        var body = LastLine(Cases.Input(ErrorBodies, "A"));

        var error = ChromaException.FromResponse(HttpStatusCode.Conflict, body, "create collection");

        Assert.Equal(ChromaErrorKind.Conflict, error.Kind);
        Assert.Equal("UniqueConstraintError", error.ErrorType);
        Assert.Contains("Collection a_new_id already exists", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromResponse_AlreadyExistsAs500_IsConfiguration()
    {
        var body = LastLine(Cases.Input(ErrorBodies, "B"));

        var error = ChromaException.FromResponse(HttpStatusCode.InternalServerError, body, "create collection");

        Assert.Equal(ChromaErrorKind.Configuration, error.Kind);
        Assert.Equal("UniqueConstraintError", error.ErrorType);
        Assert.Contains("Macha:Knowledge:Tenant", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromResponse_V1Gone_IsConfiguration()
    {
        var line = LastLine(Cases.Input(ErrorBodies, "C"));
        var body = line[line.IndexOf('{', StringComparison.Ordinal)..];

        var error = ChromaException.FromResponse(HttpStatusCode.Gone, body, "list collections");

        Assert.Equal(ChromaErrorKind.Configuration, error.Kind);
        Assert.Equal("Unimplemented", error.ErrorType);
        Assert.Contains("Please use /v2 apis", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"error":"InvalidArgumentError","message":"Collection expecting embedding with dimension of 3, got 4"}""")]
    [InlineData("""{"error":"InvalidDimensionException","message":"Embedding dimension 384 does not match collection dimensionality 1536"}""")]
    public void FromResponse_DimensionMismatch_IsDimensionMismatch(string body)
    {
        var error = ChromaException.FromResponse(HttpStatusCode.BadRequest, body, "upsert");

        Assert.Equal(ChromaErrorKind.DimensionMismatch, error.Kind);
    }

    [Fact]
    public void FromResponse_OtherBadRequest_IsInvalidArgument()
    {
        var error = ChromaException.FromResponse(HttpStatusCode.BadRequest, """{"error":"InvalidArgumentError","message":"Validation error: name"}""", "create collection");

        Assert.Equal(ChromaErrorKind.InvalidArgument, error.Kind);
    }

    [Fact]
    public void FromResponse_NotJson_KeepsTheText()
    {
        var error = ChromaException.FromResponse(HttpStatusCode.BadGateway, "<html>bad gateway</html>", "query");

        Assert.Equal(ChromaErrorKind.Unavailable, error.Kind);
        Assert.Contains("<html>bad gateway</html>", error.Message, StringComparison.Ordinal);
    }

    private static string LastLine(string input) =>
        input.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
}
