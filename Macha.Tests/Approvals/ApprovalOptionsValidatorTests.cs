using Macha.Core.Approvals;

namespace Macha.Tests.Approvals;

public sealed class ApprovalOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = new ApprovalOptionsValidator().Validate(null, new ApprovalOptions());

        Assert.True(result.Succeeded);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-01:00:00")]
    [InlineData("31.00:00:00")]
    public void Validate_TimeToLiveOutOfRange_FailsNamingTheKey(string timeToLive)
    {
        var options = new ApprovalOptions { TimeToLive = TimeSpan.Parse(timeToLive, System.Globalization.CultureInfo.InvariantCulture) };

        var result = new ApprovalOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Macha:Approvals:TimeToLive", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ApiToken_TokenId_PrefixesIt()
    {
        var actor = ApprovalActors.ApiToken("ci-7");

        Assert.Equal("token:ci-7", actor);
    }
}
