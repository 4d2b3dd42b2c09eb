using Macha.Web.Security;

namespace Macha.Tests.Security;

/// <summary>Parsing the users and tokens files: valid lines, and errors that name the line but never its text.</summary>
public sealed class CredentialFileTests
{
    private const string Path = "/run/credentials/macha.service/tokens";
    private const string Hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    [Fact]
    public void TokensParse_ValidFile_FindsEachTokenByItsSecret()
    {
        var read = CredentialTools.CreateToken("monitor", [MachaPolicies.Read]);
        var operate = CredentialTools.CreateToken("deploy", [MachaPolicies.Operate]);
        var text = $"# scripts\r\n{read.FileLine}\r\n\r\n   {operate.FileLine}   \n";

        var file = TokensFile.Parse(text, Path);

        Assert.Equal(2, file.Count);
        Assert.Equal("monitor", file.Find(read.Token)?.Name);
        Assert.Equal(["operate"], file.Find(operate.Token)?.Scopes);
        Assert.Null(file.Find("macha_something-else"));
        Assert.Null(file.Find(read.Token + "x"));
    }

    [Theory]
    [InlineData("monitor:read", 1, "expected NAME:SCOPES:SHA256")]
    [InlineData("monitor:read:" + Hash + ":extra", 1, "expected NAME:SCOPES:SHA256")]
    [InlineData("# header\n:read:" + Hash, 2, "the name must be")]
    [InlineData("mon itor:read:" + Hash, 1, "the name must be")]
    [InlineData("macha:read:" + Hash, 1, "reserved")]
    [InlineData("Local:read:" + Hash, 1, "reserved")]
    [InlineData("monitor::" + Hash, 1, "the scopes must be")]
    [InlineData("monitor:admin:" + Hash, 1, "the scopes must be")]
    [InlineData("monitor:read,:" + Hash, 1, "the scopes must be")]
    [InlineData("monitor:read:9f86d0", 1, "64 hexadecimal digits")]
    [InlineData("monitor:read:" + "zz" + "86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 1, "64 hexadecimal digits")]
    [InlineData("monitor:read:" + Hash + "\nMONITOR:operate:" + "0f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", 2, "already used on line 1")]
    [InlineData("a:read:" + Hash + "\nb:operate:" + Hash, 2, "the same as on line 1")]
    public void TokensParse_MalformedLine_NamesFileAndLine(string text, int line, string expected)
    {
        var error = Assert.Throws<CredentialFileException>(() => TokensFile.Parse(text, Path));

        Assert.StartsWith($"Invalid line {line} of the API tokens file {Path}: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokensParse_TokenInsteadOfHash_NeverEchoesTheToken()
    {
        var token = CredentialTools.CreateToken("ci", [MachaPolicies.Read]).Token;

        var error = Assert.Throws<CredentialFileException>(() => TokensFile.Parse($"ci:read:{token}", Path));

        Assert.Contains("holds a token itself", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token[6..], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TokensParse_TokenPastedAsWholeLine_NeverEchoesIt()
    {
        var token = CredentialTools.CreateToken("ci", [MachaPolicies.Read]).Token;

        var error = Assert.Throws<CredentialFileException>(() => TokensFile.Parse($"ci:read:{Hash}\n{token}", Path));

        Assert.StartsWith($"Invalid line 2 of the API tokens file {Path}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsersParse_ValidFile_VerifiesThePassword()
    {
        var text = $"# people\n{CredentialTools.CreateUserLine("alice", "s3cret pass")}\n";

        var file = UsersFile.Parse(text, "/etc/macha/users");

        var alice = file.Find("alice");
        Assert.NotNull(alice);
        Assert.True(PasswordHashing.Verify(alice.PasswordHash, "s3cret pass"));
        Assert.False(PasswordHashing.Verify(alice.PasswordHash, "s3cret pasS"));
        Assert.Null(file.Find("Alice"));
    }

    [Theory]
    [InlineData("alice", 1, "expected NAME:HASH")]
    [InlineData("alice:AQAAAA:extra", 1, "expected NAME:HASH")]
    [InlineData("alice:not base64!", 1, "not Base64")]
    [InlineData("alice:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 1, "version 3 format")]
    [InlineData("alice:AQAAAAIAAYag", 1, "too short")]
    [InlineData("\n\nmacha:AQAAAAIAAYag", 3, "reserved")]
    public void UsersParse_MalformedLine_NamesFileAndLine(string text, int line, string expected)
    {
        var error = Assert.Throws<CredentialFileException>(() => UsersFile.Parse(text, "/etc/macha/users"));

        Assert.StartsWith($"Invalid line {line} of the users file /etc/macha/users: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsersParse_PlainPasswordInsteadOfHash_NeverEchoesIt()
    {
        const string password = "hunter2hunter2";

        var error = Assert.Throws<CredentialFileException>(() => UsersFile.Parse($"alice:{password}", "/etc/macha/users"));

        Assert.DoesNotContain(password, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UsersParse_SameNameInOtherCase_IsRejected()
    {
        var text = $"{CredentialTools.CreateUserLine("alice", "one")}\n{CredentialTools.CreateUserLine("ALICE", "two")}";

        var error = Assert.Throws<CredentialFileException>(() => UsersFile.Parse(text, "/etc/macha/users"));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("already used on line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateToken_TwoCalls_GiveDifferentHighEntropyTokens()
    {
        var first = CredentialTools.CreateToken("ci", ["read", "OPERATE"]);
        var second = CredentialTools.CreateToken("ci", ["read"]);

        Assert.NotEqual(first.Token, second.Token);
        Assert.StartsWith("macha_", first.Token, StringComparison.Ordinal);
        Assert.Equal(6 + 43, first.Token.Length);
        Assert.StartsWith("ci:read,operate:", first.FileLine, StringComparison.Ordinal);
        Assert.DoesNotContain(first.Token, first.FileLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("read,operate")]
    [InlineData(" read , operate ")]
    public void CreateToken_CommaSeparatedScopes_GivesBoth(string scopes)
    {
        var token = CredentialTools.CreateToken("ci", [scopes]);

        Assert.StartsWith("ci:read,operate:", token.FileLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ci", new string[0])]
    [InlineData("ci", new[] { "," })]
    [InlineData("ci", new[] { "read,admin" })]
    [InlineData("ci", new[] { "admin" })]
    [InlineData("c i", new[] { "read" })]
    [InlineData("macha", new[] { "read" })]
    public void CreateToken_InvalidInput_Throws(string name, string[] scopes)
    {
        Assert.Throws<ArgumentException>(() => CredentialTools.CreateToken(name, scopes));
    }

    [Fact]
    public void CreateUserLine_EmptyPassword_Throws()
    {
        Assert.Throws<ArgumentException>(() => CredentialTools.CreateUserLine("alice", string.Empty));
    }
}
