using System.Text.Json;
using System.Text.RegularExpressions;
using Macha.Core.Hosts;
using Macha.Web.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Cli;

/// <summary>
/// <c>macha hosts</c> against the whole app on a loopback socket. The server is this class's own,
/// because adding hosts would change what other CLI tests' cycles visit. Added hosts point at
/// 127.0.0.1 and a closed port, and discovered hosts are never confirmed, so nothing connects out.
/// </summary>
public sealed class HostsVerbTests : IClassFixture<CliTestServer>, IDisposable
{
    private const string Fingerprint = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";

    private readonly CliTestServer _server;
    private readonly CliRunner _cli;

    public HostsVerbTests(CliTestServer server)
    {
        _server = server;
        _cli = new CliRunner(server.Url);
    }

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task AddThenShow_PrintsTheHost()
    {
        var keyFile = Path.Combine(_cli.Home, "id_ed25519");
        await File.WriteAllTextAsync(keyFile, "not read by this test");

        var added = await _cli.RunAsync("hosts", "add", "web-6", "--address", "127.0.0.1", "--port", "2", "--user", "deploy",
            "--key-file", keyFile, "--fingerprint", Fingerprint, "--tag", "web", "--tag", "eu", "--autonomy", "Observe");
        var shown = await _cli.RunAsync("hosts", "show", "web-6");
        var listed = await _cli.RunAsync("hosts", "list");

        Assert.Equal(ExitCodes.Success, added.ExitCode);
        Assert.Contains("Added host web-6 at deploy@127.0.0.1:2 (Pinned).", added.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, shown.ExitCode);
        Assert.Matches($"Pinned keys: +{Fingerprint}", shown.Output);
        Assert.Matches("Tags: +web eu", shown.Output);
        Assert.Matches("Autonomy: +Observe", shown.Output);
        Assert.Matches("Last contact: +never", shown.Output);
        Assert.Equal(ExitCodes.Success, listed.ExitCode);
        Assert.Contains("NAME", listed.Output, StringComparison.Ordinal);
        Assert.Matches($"web-6 +Unknown +Pinned +never +deploy@127.0.0.1:2 +{Fingerprint}", listed.Output);
    }

    [Fact]
    public async Task Add_InvalidPort_Exits1WithTheFieldError()
    {
        var result = await _cli.RunAsync("hosts", "add", "web-7", "--address", "127.0.0.1", "--port", "70000", "--key-file", "/etc/hostname");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("400", result.Error, StringComparison.Ordinal);
        Assert.Contains("Invalid host", result.Error, StringComparison.Ordinal);
        Assert.Contains("port: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("70000", result.Error, StringComparison.Ordinal);
        var listed = await _cli.RunAsync("hosts", "list", "--json");
        using var document = JsonDocument.Parse(listed.Output);
        Assert.DoesNotContain(document.RootElement.EnumerateArray(), h => h.GetProperty("name").GetString() == "web-7");
    }

    [Fact]
    public async Task Show_UnknownHost_Exits3()
    {
        var result = await _cli.RunAsync("hosts", "show", "nowhere");

        Assert.Equal(ExitCodes.NotFound, result.ExitCode);
        Assert.Contains("nowhere", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_DiscoveredHost_PointsToConfirm()
    {
        await _server.Services.GetRequiredService<HostRegistry>().AddDiscoveredAsync(["edge-10"], HostSource.Flake);

        var result = await _cli.RunAsync("hosts", "list");

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches("edge-10 +Unknown +Discovered +never", result.Output);
        Assert.Contains("Hosts waiting for confirmation: edge-10", result.Output, StringComparison.Ordinal);
        Assert.Contains("macha hosts confirm NAME", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_InvalidFingerprint_Exits1AndKeepsHostDiscovered()
    {
        await _server.Services.GetRequiredService<HostRegistry>().AddDiscoveredAsync(["edge-11"], HostSource.Journal);

        var result = await _cli.RunAsync("hosts", "confirm", "edge-11", "--fingerprint", "SHA256:nope");
        var shown = await _cli.RunAsync("hosts", "show", "edge-11", "--json");

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("SHA256:nope", result.Error, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(shown.Output);
        Assert.Equal("Discovered", document.RootElement.GetProperty("trustState").GetString());
    }

    [Fact]
    public async Task Confirm_DiscoveredHost_PinsTheKey()
    {
        await WaitForFirstCycleAsync();
        var registry = _server.Services.GetRequiredService<HostRegistry>();
        await registry.AddDiscoveredAsync(["edge-12"], HostSource.Journal);

        var result = await _cli.RunAsync("hosts", "confirm", "edge-12", "--fingerprint", Fingerprint);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Matches($"Confirmed host edge-12 at [a-z_]+@edge-12:22 \\(Pinned\\), pinned key {Regex.Escape(Fingerprint)}\\.", result.Output);
        Assert.True(registry.Find("edge-12")!.Trusted);
    }

    [Fact]
    public async Task Confirm_WithConnection_SetsEveryField()
    {
        await WaitForFirstCycleAsync();
        var registry = _server.Services.GetRequiredService<HostRegistry>();
        await registry.AddDiscoveredAsync(["edge-13"], HostSource.Flake);
        var keyFile = Path.Combine(_cli.Home, "id_edge");
        await File.WriteAllTextAsync(keyFile, "not read by this test");

        var result = await _cli.RunAsync("hosts", "confirm", "edge-13", "--fingerprint", Fingerprint,
            "--address", "127.0.0.1", "--port", "2", "--user", "deploy", "--key-file", keyFile);

        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains($"Confirmed host edge-13 at deploy@127.0.0.1:2 (Pinned), pinned key {Fingerprint}.", result.Output, StringComparison.Ordinal);
        var record = registry.Find("edge-13")!;
        Assert.True(record.Trusted);
        Assert.Equal(("127.0.0.1", 2, "deploy", keyFile), (record.Address, record.Port, record.User, record.PrivateKeyFile));
    }

    [Fact]
    public async Task Confirm_MissingKeyFile_Exits1()
    {
        var registry = _server.Services.GetRequiredService<HostRegistry>();
        await registry.AddDiscoveredAsync(["edge-14"], HostSource.Journal);
        var missing = Path.Combine(_cli.Home, "no-such-key");

        var result = await _cli.RunAsync("hosts", "confirm", "edge-14", "--address", "127.0.0.1", "--key-file", missing);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("400", result.Error, StringComparison.Ordinal);
        Assert.Contains($"PrivateKeyFile '{missing}' does not exist", result.Error, StringComparison.Ordinal);
        var record = registry.Find("edge-14")!;
        Assert.False(record.Trusted);
        Assert.Equal("edge-14", record.Address);
    }

    [Fact]
    public async Task Confirm_AlreadyTrusted_Exits1WithConflict()
    {
        var keyFile = Path.Combine(_cli.Home, "id_trusted");
        await File.WriteAllTextAsync(keyFile, "not read by this test");
        await _cli.RunAsync("hosts", "add", "web-8", "--address", "127.0.0.1", "--port", "2", "--key-file", keyFile, "--fingerprint", Fingerprint);

        var result = await _cli.RunAsync("hosts", "confirm", "web-8", "--fingerprint", Fingerprint);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("409", result.Error, StringComparison.Ordinal);
        Assert.Contains("already trusted", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("add", "abc")]
    [InlineData("add", "22.5")]
    [InlineData("confirm", "abc")]
    [InlineData("confirm", "0x16")]
    public async Task Port_NotAWholeNumber_Exits2NamingTheRange(string verb, string port)
    {
        var result = await _cli.RunAsync("hosts", verb, "web-30", $"--port={port}");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains($"--port must be a whole number from 1 to 65535; got '{port}'.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", result.Error, StringComparison.Ordinal);
        Assert.Null(_server.Services.GetRequiredService<HostRegistry>().Find("web-30"));
    }

    [Fact]
    public async Task Hosts_UnknownSubcommand_Exits2()
    {
        var result = await _cli.RunAsync("hosts", "remove", "web-6");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("macha hosts --help", result.Error, StringComparison.Ordinal);
    }

    // The start-up cycle reads the host list when it begins. Once it has finished, no cycle visits a
    // host that a test confirms, so a discovered name is never looked up in DNS.
    private async Task WaitForFirstCycleAsync()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_server.Url) };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            var cycles = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonElement>(http, "/api/cycles", timeout.Token);
            if (cycles.EnumerateArray().Any(c => c.GetProperty("state").GetString() is "Completed" or "Failed"))
            {
                return;
            }

            await Task.Delay(200, timeout.Token);
        }
    }
}
