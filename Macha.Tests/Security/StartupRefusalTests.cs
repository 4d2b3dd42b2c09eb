using System.Diagnostics;
using Macha.Tests.Fakes;
using Macha.Web.Security;

namespace Macha.Tests.Security;

/// <summary>Macha refuses to start open on a network address, or with a broken credential file.</summary>
public sealed class StartupRefusalTests
{
    [Theory]
    [InlineData("http://0.0.0.0:5380")]
    [InlineData("http://[::]:5380")]
    [InlineData("http://192.168.1.20:5380")]
    [InlineData("http://macha.example:5380")]
    public void Start_NetworkAddressWithoutCredentials_Throws(string url)
    {
        using var factory = new OpenWebFactory(("Kestrel:Endpoints:Http:Url", url));

        var error = Record.Exception(() => factory.CreateClient());

        var refusal = Assert.IsType<AccessNotConfiguredException>(Innermost<AccessNotConfiguredException>(error));
        Assert.Contains(url, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_MalformedTokensFile_ThrowsNamingLine()
    {
        using var data = new TestDataDirectory();
        var tokens = Path.Combine(data.Path, "tokens");
        File.WriteAllText(tokens, "# scripts\nci:read\n");
        using var factory = new OpenWebFactory(("Macha:Authentication:TokensFile", tokens));

        var error = Record.Exception(() => factory.CreateClient());

        var malformed = Assert.IsType<CredentialFileException>(Innermost<CredentialFileException>(error));
        Assert.Contains($"Invalid line 2 of the API tokens file {tokens}", malformed.Message, StringComparison.Ordinal);
    }

    // 192.0.2.0/24 is reserved for documentation (RFC 5737) and assigned to no interface here, so even
    // if the check failed, Kestrel could not listen there and nothing would be exposed.
    [Fact]
    public async Task Main_LanAddressWithoutCredentials_ExitsWithOneClearMessage()
    {
        using var data = new TestDataDirectory();
        var program = Path.Combine(AppContext.BaseDirectory, "macha.dll");
        var start = new ProcessStartInfo("dotnet", [program, "--Kestrel:Endpoints:Http:Url=http://192.0.2.10:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment = { ["Macha__DataDirectory"] = data.Path },
        };

        using var process = Process.Start(start)!;
        var standardError = process.StandardError.ReadToEndAsync();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(limit.Token);

        Assert.Equal(1, process.ExitCode);
        var message = await standardError;
        Assert.Contains("Macha cannot start: it would listen on http://192.0.2.10:0 (from Kestrel:Endpoints:Http:Url)", message, StringComparison.Ordinal);
        Assert.Contains("Set Macha:Authentication:UsersFile or Macha:Authentication:TokensFile", message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
        await standardOutput;
    }

    private static Exception? Innermost<T>(Exception? error)
        where T : Exception
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            if (current is T)
            {
                return current;
            }
        }

        return error;
    }

    private sealed class OpenWebFactory((string Key, string Value) setting) : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        private readonly TestDataDirectory _data = new();

        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("Macha:DataDirectory", _data.Path);
            builder.UseSetting("Macha:CheckInterval", "01:00:00");
            builder.UseSetting(setting.Key, setting.Value);
        }

        protected override void Dispose(bool disposing)
        {
            base.Dispose(disposing);
            if (disposing)
            {
                _data.Dispose();
            }
        }
    }
}
