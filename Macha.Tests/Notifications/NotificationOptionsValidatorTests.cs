using Macha.Core.Notifications;

namespace Macha.Tests.Notifications;

public sealed class NotificationOptionsValidatorTests
{
    private readonly NotificationOptionsValidator _validator = new(() => null);

    private static NotificationOptions Valid() => new()
    {
        GotifyUrl = new Uri("https://gotify.example.org/"),
        TokenFile = "/run/credentials/macha-autonomous.service/gotify-token",
        PublicUrl = new Uri("https://macha.example.org/"),
    };

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        Assert.True(_validator.Validate(null, new NotificationOptions()).Succeeded);
        Assert.True(_validator.Validate(null, Valid()).Succeeded);
    }

    [Theory]
    [InlineData("https://gotify.example.org/message", "without /message")]
    [InlineData("https://gotify.example.org/message/", "without /message")]
    [InlineData("https://gotify.example.org/?token=abc", "query string")]
    [InlineData("https://user:pw@gotify.example.org/", "password")]
    [InlineData("ftp://gotify.example.org/", "absolute http:// or https://")]
    public void Validate_BadGotifyUrl_NamesTheKey(string url, string expected)
    {
        var options = Valid();
        options.GotifyUrl = new Uri(url);

        var result = _validator.Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Macha:Notifications:Gotify:Url", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UrlWithoutTokenFile_Fails()
    {
        var options = Valid();
        options.TokenFile = null;

        var result = _validator.Validate(null, options);

        Assert.Contains("Macha:Notifications:Gotify:TokenFile is required", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CredentialNameWithoutCredentialsDirectory_Fails()
    {
        var options = Valid();
        options.TokenFile = "gotify-token";

        var withoutDirectory = _validator.Validate(null, options);
        var withDirectory = new NotificationOptionsValidator(() => "/run/credentials/macha-autonomous.service").Validate(null, options);

        Assert.Contains("CREDENTIALS_DIRECTORY", withoutDirectory.FailureMessage, StringComparison.Ordinal);
        Assert.True(withDirectory.Succeeded);
        Assert.Equal("/run/credentials/macha-autonomous.service/gotify-token", options.ResolveTokenFile("/run/credentials/macha-autonomous.service"));
    }

    [Fact]
    public void Validate_QuietHoursHalfSet_Fails()
    {
        var options = Valid();
        options.QuietHoursStart = new TimeOnly(22, 0);

        var result = _validator.Validate(null, options);

        Assert.Contains("must be set together", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(NotificationOptions.MaxRetries), "Macha:Notifications:MaxRetries")]
    [InlineData(nameof(NotificationOptions.DigestThreshold), "Macha:Notifications:DigestThreshold")]
    [InlineData(nameof(NotificationOptions.QueueCapacity), "Macha:Notifications:QueueCapacity")]
    public void Validate_NumberOutOfRange_NamesTheKey(string property, string key)
    {
        var options = Valid();
        typeof(NotificationOptions).GetProperty(property)!.SetValue(options, 100_000);

        var result = _validator.Validate(null, options);

        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void ApprovalLink_PublicUrlWithPath_KeepsThePath()
    {
        var options = Valid();
        options.PublicUrl = new Uri("https://example.org/macha");
        var id = Guid.Parse("0b6c1f1e-7d55-4c7e-9a43-2f4c8a1d9e10");

        Assert.Equal("https://example.org/macha/approvals/0b6c1f1e-7d55-4c7e-9a43-2f4c8a1d9e10", options.ApprovalLink(id)!.AbsoluteUri);
    }
}
