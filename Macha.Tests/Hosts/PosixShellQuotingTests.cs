using Macha.Core.Hosts;

namespace Macha.Tests.Hosts;

public sealed class PosixShellQuotingTests
{
    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("", "''")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$HOME;rm", "'$HOME;rm'")]
    [InlineData("a\\x2db", "'a\\x2db'")]
    [InlineData("a!b", "'a'\\!'b'")]
    public void Quote_Word_WrapsInSingleQuotes(string word, string expected)
    {
        Assert.Equal(expected, PosixShellQuoting.Quote(word));
    }

    [Fact]
    public void Quote_NulCharacter_Throws()
    {
        Assert.Throws<ArgumentException>(() => PosixShellQuoting.Quote("a\0b"));
    }

    [Fact]
    public void BuildCommandLine_Request_QuotesEveryWord()
    {
        var line = PosixShellQuoting.BuildCommandLine(CommandRequest.Create("systemctl", "restart", "--", "a b.service"));

        Assert.Equal(
            "exec sh -c 'command -v timeout >/dev/null 2>&1 && exec timeout -k 5 12 env -- \"$@\"; exec env -- \"$@\"' sh "
                + "'LC_ALL=C' 'LANG=C' 'SYSTEMD_COLORS=0' 'SYSTEMD_PAGER=' 'PAGER=cat' 'systemctl' 'restart' '--' 'a b.service'",
            line);
    }

    [Fact]
    public void BuildCommandLine_ProgramWithEquals_Throws()
    {
        Assert.Throws<ArgumentException>(() => PosixShellQuoting.BuildCommandLine(CommandRequest.Create("A=B")));
    }
}

public sealed class HostKeyFingerprintTests
{
    private const string Valid = "SHA256:JE+Fv4b8YJgBx/PQ0+I0/pEnGkiUommL0RPRXI3B7KI";

    [Theory]
    [InlineData(Valid, Valid)]
    [InlineData(Valid + "=", Valid)]
    [InlineData("sha256:JE+Fv4b8YJgBx/PQ0+I0/pEnGkiUommL0RPRXI3B7KI", Valid)]
    [InlineData("  " + Valid + " ", Valid)]
    public void Normalize_ValidForms_ReturnsCanonical(string text, string expected)
    {
        Assert.Equal(expected, HostKeyFingerprint.Normalize(text));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("JE+Fv4b8YJgBx/PQ0+I0/pEnGkiUommL0RPRXI3B7KI")]
    [InlineData("MD5:97:70:33:82:fd:29:3a:73:39:af:6a:07:ad:f8:80:49")]
    [InlineData("SHA256:tooShort")]
    [InlineData("SHA256:JE+Fv4b8YJgBx/PQ0+I0/pEnGkiUommL0RPRXI3B7K!")]
    public void Normalize_Invalid_ReturnsNull(string? text)
    {
        Assert.Null(HostKeyFingerprint.Normalize(text));
    }
}
