using System.Net;
using System.Text.RegularExpressions;

namespace Macha.Tests.Security;

/// <summary>Cookie sign-in through the real form, with its antiforgery token, as a browser does it.</summary>
public sealed partial class SignInTests : IClassFixture<SecuredWebFactory>
{
    private readonly SecuredWebFactory _factory;

    public SignInTests(SecuredWebFactory factory)
    {
        _factory = factory;
    }

    [Fact]
    public async Task SignIn_RightPassword_OpensDashboardAndReadApi()
    {
        using var client = _factory.CreateBrowserClient();

        var response = await SignInAsync(client, SecuredWebFactory.UserName, SecuredWebFactory.Password, "/?host=web-1");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/?host=web-1", response.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/approvals", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task SignIn_SignedInCookieOnApiChange_Returns401()
    {
        using var client = _factory.CreateBrowserClient();
        await SignInAsync(client, SecuredWebFactory.UserName, SecuredWebFactory.Password, "/");

        var response = await client.PostAsync(new Uri("/api/cycles", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task SignIn_WrongPassword_Returns401WithFormAgain()
    {
        using var client = _factory.CreateBrowserClient();

        var response = await SignInAsync(client, SecuredWebFactory.UserName, "not the password", "/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("The user name or the password is wrong.", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task SignIn_UnknownUser_Returns401()
    {
        using var client = _factory.CreateBrowserClient();

        var response = await SignInAsync(client, "mallory", SecuredWebFactory.Password, "/");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task SignIn_WithoutAntiforgeryToken_Returns400()
    {
        using var client = _factory.CreateBrowserClient();
        await client.GetAsync(new Uri("/signin", UriKind.Relative));
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = SecuredWebFactory.UserName,
            ["password"] = SecuredWebFactory.Password,
        });

        var response = await client.PostAsync(new Uri("/signin", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("/\t/evil.example/")]
    [InlineData("javascript:alert(1)")]
    public async Task SignIn_ForeignReturnUrl_RedirectsHome(string returnUrl)
    {
        using var client = _factory.CreateBrowserClient();

        var response = await SignInAsync(client, SecuredWebFactory.UserName, SecuredWebFactory.Password, returnUrl);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignOut_WithAntiforgeryToken_EndsTheSession()
    {
        using var client = _factory.CreateBrowserClient();
        await SignInAsync(client, SecuredWebFactory.UserName, SecuredWebFactory.Password, "/");
        var token = await ReadFormTokenAsync(client, "/signin");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { [token.Name] = token.Value });

        var response = await client.PostAsync(new Uri("/signout", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task SignOut_WithoutAntiforgeryToken_KeepsTheSession()
    {
        using var client = _factory.CreateBrowserClient();
        await SignInAsync(client, SecuredWebFactory.UserName, SecuredWebFactory.Password, "/");

        var response = await client.PostAsync(new Uri("/signout", UriKind.Relative), new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task SignIn_Attempts_NeverLogThePassword()
    {
        using var client = _factory.CreateBrowserClient();
        const string wrongPassword = "Wr0ng-password-3f9c";
        const string passwordAsName = "Typed-into-the-name-field-8d21";

        await SignInAsync(client, SecuredWebFactory.UserName, wrongPassword, "/");
        await SignInAsync(client, passwordAsName, SecuredWebFactory.Password, "/");
        await SignInAsync(client, SecuredWebFactory.UserName, SecuredWebFactory.Password, "/");

        var lines = _factory.Logs.Lines();
        Assert.Contains(lines, line => line.Contains("Sign-in failed for user alice", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("the user name is not in the users file", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("User alice signed in", StringComparison.Ordinal));
        foreach (var secret in new[] { wrongPassword, passwordAsName, SecuredWebFactory.Password })
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Tokens_UsedAndRejected_NeverLogged()
    {
        const string unknownToken = "macha_unknown-token-value-5b7e";
        using var client = _factory.CreateBrowserClient();

        foreach (var token in new[] { _factory.ReadToken.Token, _factory.OperateToken.Token, unknownToken })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/cycles");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            await client.SendAsync(request);
        }

        var lines = _factory.Logs.Lines();
        Assert.Contains(lines, line => line.Contains("matches no entry of the API tokens file", StringComparison.Ordinal));
        foreach (var secret in new[] { _factory.ReadToken.Token, _factory.OperateToken.Token, unknownToken })
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task SignIn_OverTheLimit_Returns429()
    {
        using var factory = new SecuredWebFactory(new Dictionary<string, string?>
        {
            ["Macha:Authentication:SignInAttemptsPerWindow"] = "3",
            ["Macha:Authentication:SignInWindow"] = "01:00:00",
        });
        using var client = factory.CreateBrowserClient();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(client, SecuredWebFactory.UserName, "wrong", "/")).StatusCode);
        }

        var limited = await SignInAsync(client, SecuredWebFactory.UserName, SecuredWebFactory.Password, "/");
        var again = await SignInAsync(client, SecuredWebFactory.UserName, SecuredWebFactory.Password, "/");

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Contains("Too many sign-in attempts", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        Assert.Single(factory.Logs.Lines(), line => line.Contains("exceeded 3 per", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignInPage_OpenAccess_RedirectsToReturnUrl()
    {
        using var factory = new Fakes.MachaWebFactory();
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var response = await client.GetAsync(new Uri("/signin?returnUrl=%2F%3Fhost%3Dweb-1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/?host=web-1", response.Headers.Location?.OriginalString);
    }

    internal static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password, string returnUrl)
    {
        var token = await ReadFormTokenAsync(client, "/signin");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            [token.Name] = token.Value,
            ["userName"] = userName,
            ["password"] = password,
            ["returnUrl"] = returnUrl,
        });
        return await client.PostAsync(new Uri("/signin", UriKind.Relative), form);
    }

    private static async Task<(string Name, string Value)> ReadFormTokenAsync(HttpClient client, string path)
    {
        var page = await client.GetStringAsync(new Uri(path, UriKind.Relative));
        var match = HiddenTokenPattern().Match(page);
        Assert.True(match.Success, "The sign-in page has no antiforgery field.");
        return (WebUtility.HtmlDecode(match.Groups["name"].Value), WebUtility.HtmlDecode(match.Groups["value"].Value));
    }

    [GeneratedRegex("""<input type="hidden" name="(?<name>__RequestVerificationToken[^"]*)" value="(?<value>[^"]+)" />""")]
    private static partial Regex HiddenTokenPattern();
}
