using System.Text.Json.Nodes;
using Macha.Core.Storage.Audit;

namespace Macha.Tests.Storage.Audit;

public sealed class SecretRedactorTests
{
    private readonly SecretRedactor _redactor = new();

    [Theory]
    [InlineData("token")]
    [InlineData("gotify_token")]
    [InlineData("accessToken")]
    [InlineData("PASSWORD")]
    [InlineData("db-password")]
    [InlineData("client_secret")]
    [InlineData("api_key")]
    [InlineData("APIKey")]
    [InlineData("apikey")]
    [InlineData("X-Gotify-Key")]
    [InlineData("Authorization")]
    [InlineData("cookie")]
    [InlineData("Set-Cookie")]
    [InlineData("credentials")]
    public void IsSecretName_SecretKeyName_ReturnsTrue(string name)
    {
        Assert.True(SecretRedactor.IsSecretName(name));
    }

    [Theory]
    [InlineData("summary")]
    [InlineData("max_prompt_tokens")]
    [InlineData("monkey")]
    [InlineData("hotkey")]
    [InlineData("proposed_action_kinds")]
    [InlineData("host")]
    public void IsSecretName_OrdinaryKeyName_ReturnsFalse(string name)
    {
        Assert.False(SecretRedactor.IsSecretName(name));
    }

    [Theory]
    [InlineData("Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***")]
    [InlineData("authorization=Basic dXNlcjpwYXNz", "authorization=Basic ***")]
    [InlineData("curl -H 'Authorization: token 9f8e7d6c'", "curl -H 'Authorization: token ***'")]
    [InlineData("sent Bearer 0123456789abcdef to the API", "sent Bearer *** to the API")]
    [InlineData("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig-part_1 end", "jwt *** end")]
    [InlineData("postgres://macha:s3cr3t@db.lan:5432/macha", "postgres://macha:***@db.lan:5432/macha")]
    [InlineData("redis://:pw12345@cache:6379", "redis://:***@cache:6379")]
    [InlineData("GET /message?token=AbCdEf123&limit=5", "GET /message?token=***&limit=5")]
    [InlineData("password=hunter2 user=root", "password=*** user=root")]
    [InlineData("gotify_token: \"AbCdEf123\"", "gotify_token: ***")]
    [InlineData("ssh_key=/root/.ssh/id_ed25519", "ssh_key=***")]
    [InlineData("mysql --password hunter2 -u root", "mysql --password *** -u root")]
    [InlineData("Cookie: session=abc; theme=dark", "Cookie: ***")]
    [InlineData("X-Gotify-Key: AbCdEf123", "X-Gotify-Key: ***")]
    public void Redact_SecretPattern_MasksTheValue(string text, string expected)
    {
        Assert.Equal(expected, _redactor.Redact(text));
    }

    [Theory]
    [InlineData("nginx.service failed with result 'exit-code'")]
    [InlineData("the bearer of bad news")]
    [InlineData("max_prompt_tokens: 812")]
    [InlineData("primary key: id")]
    [InlineData("see https://nixos.org/manual/nixos/stable/ for options")]
    [InlineData("Restart the unit: systemctl restart nginx.service")]
    [InlineData("disk /var is 93% full at 2026-12-04T11:00:00Z")]
    [InlineData("--token-file /run/secrets/gotify")]
    public void Redact_OrdinaryText_LeavesItIntact(string text)
    {
        Assert.Equal(text, _redactor.Redact(text));
    }

    [Fact]
    public void Redact_KnownSecretAnywhere_MasksIt()
    {
        _redactor.AddKnownSecret("AbGotifyToken123\n");

        var redacted = _redactor.Redact("the app token AbGotifyToken123 was rejected; xAbGotifyToken123x");

        Assert.Equal("the app token *** was rejected; x***x", redacted);
    }

    [Fact]
    public void Redact_NestedKnownSecrets_MasksLongerWhole()
    {
        _redactor.AddKnownSecret("abcd");
        _redactor.AddKnownSecret("abcd-efgh");

        Assert.Equal("value ***", _redactor.Redact("value abcd-efgh"));
    }

    [Fact]
    public void AddKnownSecret_TooShort_Throws()
    {
        Assert.Throws<ArgumentException>(() => _redactor.AddKnownSecret(" ab "));
    }

    [Fact]
    public void RedactObject_SecretKeys_MasksAnyValue()
    {
        var data = new JsonObject
        {
            ["api_key"] = "k-123",
            ["pin_password"] = 1234,
            ["credentials"] = new JsonObject { ["user"] = "root" },
            ["token"] = null,
            ["summary"] = "nginx.service failed",
            ["count"] = 3,
        };

        var redacted = _redactor.RedactObject(data);

        Assert.Equal("***", redacted["api_key"]!.GetValue<string>());
        Assert.Equal("***", redacted["pin_password"]!.GetValue<string>());
        Assert.Equal("***", redacted["credentials"]!.GetValue<string>());
        Assert.Null(redacted["token"]);
        Assert.Equal("nginx.service failed", redacted["summary"]!.GetValue<string>());
        Assert.Equal(3, redacted["count"]!.GetValue<int>());
    }

    [Fact]
    public void RedactObject_StringsInNestedArrays_AreRedacted()
    {
        var data = new JsonObject { ["argv"] = new JsonArray("curl", new JsonArray("https://u:p4ss@h/")) };

        var redacted = _redactor.RedactObject(data);

        Assert.Equal("https://u:***@h/", redacted["argv"]![1]![0]!.GetValue<string>());
    }

    [Fact]
    public void RedactObject_Input_IsNotChanged()
    {
        var data = new JsonObject { ["password"] = "hunter2" };

        _redactor.RedactObject(data);

        Assert.Equal("hunter2", data["password"]!.GetValue<string>());
    }
}
