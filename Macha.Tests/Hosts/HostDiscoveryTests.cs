using System.Globalization;
using System.Text;
using Macha.Core.Cycle;
using Macha.Core.Storage;
using Macha.Core.Hosts;
using Macha.Tests.Cycle;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace Macha.Tests.Hosts;

/// <summary>
/// Discovery from real journal files, made at test time with systemd-journal-remote and read with
/// journalctl, and from a real flake evaluated with nix. The test flakes have no inputs, so nix 2.8
/// evaluates them without any network connection: under strace it opens only netlink and Unix sockets.
/// </summary>
public sealed class HostDiscoveryTests : IDisposable
{
    private const string JournalRemotePath = "/lib/systemd/systemd-journal-remote";

    private readonly string _directory = Directory.CreateTempSubdirectory("macha-discovery-").FullName;
    private readonly LocalProcessShell _shell = new("local", NullLogger<LocalProcessShell>.Instance, TimeProvider.System);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task RunAsync_JournalHostNames_AddsThemUntrusted()
    {
        var journals = await CreateJournalDirectoryAsync("web-1", "db-2", "control", "bad;name");
        await using var harness = await StartAsync(new() { ["Macha:Hosts:Discovery:JournalDirectory"] = journals });
        var registry = harness.Get<HostRegistry>();

        var results = await harness.Get<HostDiscovery>().RunAsync();

        var journal = Assert.Single(results);
        Assert.Null(journal.Error);
        Assert.Equal(HostSource.Journal, journal.Source);
        Assert.Equal(["bad;name", "control", "db-2", "web-1"], journal.Found.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(2, journal.Added);
        foreach (var name in new[] { "web-1", "db-2" })
        {
            var record = registry.Find(name)!;
            Assert.Equal(HostSource.Journal, record.Source);
            Assert.False(record.Trusted);
            Assert.Equal(HostTrustState.Discovered, HostTrust.StateOf(record));
        }

        Assert.Null(registry.Find("bad;name"));
        Assert.Equal(HostSource.Local, registry.Find("control")!.Source);
        Assert.Equal(["control"], registry.GetHosts().Select(shell => shell.HostName).ToArray());
    }

    [Fact]
    public async Task RunAsync_FlakeConfigurations_AddsThemUntrusted()
    {
        var flake = CreateFlake("web-3", "db-4");
        await using var harness = await StartAsync(new() { ["Macha:Hosts:Discovery:Flake"] = flake });
        var registry = harness.Get<HostRegistry>();

        var results = await harness.Get<HostDiscovery>().RunAsync();

        var source = Assert.Single(results);
        Assert.Null(source.Error);
        Assert.Equal(["db-4", "web-3"], source.Found.ToArray());
        Assert.Equal(2, source.Added);
        Assert.Equal(HostSource.Flake, registry.Find("web-3")!.Source);
        Assert.False(registry.Find("db-4")!.Trusted);
    }

    [Fact]
    public async Task RunAsync_SecondRun_KeepsConfirmedHost()
    {
        var flake = CreateFlake("web-5");
        await using var harness = await StartAsync(new() { ["Macha:Hosts:Discovery:Flake"] = flake });
        var registry = harness.Get<HostRegistry>();
        var discovery = harness.Get<HostDiscovery>();
        await discovery.RunAsync();
        await registry.ConfirmAsync("web-5", "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s", "alice");

        var second = await discovery.RunAsync();

        Assert.Equal(0, Assert.Single(second).Added);
        Assert.True(registry.Find("web-5")!.Trusted);
        Assert.Equal("alice", registry.Find("web-5")!.ConfirmedBy);
    }

    [Fact]
    public async Task RunAsync_MissingJournalDirectory_ReportsItAndReadsFlake()
    {
        var flake = CreateFlake("web-6");
        var missing = Path.Combine(_directory, "no-such-directory");
        await using var harness = await StartAsync(new()
        {
            ["Macha:Hosts:Discovery:JournalDirectory"] = missing,
            ["Macha:Hosts:Discovery:Flake"] = flake,
        });

        var results = await harness.Get<HostDiscovery>().RunAsync();

        var journal = Assert.Single(results, r => r.Source == HostSource.Journal);
        Assert.Contains(missing, journal.Error, StringComparison.Ordinal);
        Assert.Contains("Macha:Hosts:Discovery:JournalDirectory", journal.Error, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(results, r => r.Source == HostSource.Flake).Added);
    }

    [Fact]
    public async Task RunAsync_FlakeWithoutConfigurations_ReportsNixError()
    {
        var flake = Path.Combine(_directory, "empty-flake");
        Directory.CreateDirectory(flake);
        await File.WriteAllTextAsync(Path.Combine(flake, "flake.nix"), "{ outputs = { self }: { }; }\n");
        await using var harness = await StartAsync(new() { ["Macha:Hosts:Discovery:Flake"] = flake });

        var results = await harness.Get<HostDiscovery>().RunAsync();

        var source = Assert.Single(results);
        Assert.Contains("exited with code", source.Error, StringComparison.Ordinal);
        Assert.Equal(0, source.Added);
    }

    [Fact]
    public async Task Cycle_DiscoveredHosts_AreNeverVisited()
    {
        var journals = await CreateJournalDirectoryAsync("web-7");
        await using var harness = await StartAsync(new() { ["Macha:Hosts:Discovery:JournalDirectory"] = journals });
        await harness.Get<HostDiscovery>().RunAsync();

        var run = await harness.Get<HealthCycle>().RunAsync(CycleTrigger.Manual);

        Assert.Equal(CycleState.Completed, run.State);
        Assert.Equal(1, run.HostCount);
        await using var records = harness.OpenDatabase();
        Assert.Equal(["control"], await records.Snapshots.Select(s => s.HostName).ToArrayAsync());
        Assert.Empty(await records.Findings.Where(f => f.HostName == "web-7").ToListAsync());
        Assert.Null(harness.Get<HostRegistry>().Find("web-7")!.LastCheckedAt);
    }

    [Theory]
    [InlineData("{\"web\": 1}", "Object")]
    [InlineData("[\"web\", 3]", "Number")]
    [InlineData("[\"web\"", "invalid JSON")]
    public void ParseFlakeNames_NotAListOfNames_Throws(string output, string expected)
    {
        var error = Assert.Throws<FormatException>(() => HostDiscovery.ParseFlakeNames(output));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseJournalNames_BlankLines_AreSkipped()
    {
        Assert.Equal(["web-1", "db-2"], HostDiscovery.ParseJournalNames("web-1\n\n  db-2  \n").ToArray());
    }

    private static Task<CycleHarness> StartAsync(Dictionary<string, string?> settings)
    {
        settings["Macha:LocalHostName"] = "control";
        return CycleHarness.StartAsync(null, settings: settings, useConfiguredInventory: true);
    }

    // One journal file per host, named as systemd-journal-remote names them in --split-mode=host.
    private async Task<string> CreateJournalDirectoryAsync(params string[] hostNames)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_directory, "remote")).FullName;
        var realtime = 1_764_900_000_000_000L;
        foreach (var hostName in hostNames)
        {
            var export = new StringBuilder();
            for (var i = 0; i < 3; i++)
            {
                realtime += 1_000_000;
                export.Append(CultureInfo.InvariantCulture, $"__REALTIME_TIMESTAMP={realtime}\n")
                    .Append(CultureInfo.InvariantCulture, $"__MONOTONIC_TIMESTAMP={realtime % 1_000_000_000}\n")
                    .Append("_BOOT_ID=0123456789abcdef0123456789abcdef\n")
                    .Append(CultureInfo.InvariantCulture, $"_HOSTNAME={hostName}\n")
                    .Append("SYSLOG_IDENTIFIER=test\n")
                    .Append("PRIORITY=6\n")
                    .Append(CultureInfo.InvariantCulture, $"MESSAGE=entry {i}\n\n");
            }

            var safeName = hostName.Replace(';', '_');
            var exportFile = Path.Combine(_directory, safeName + ".export");
            await File.WriteAllTextAsync(exportFile, export.ToString());
            var result = await _shell.RunAsync(CommandRequest.Create(JournalRemotePath, "-o", Path.Combine(directory, $"remote-{safeName}.journal"), exportFile));
            Assert.True(result.Succeeded, result.Describe(JournalRemotePath));
        }

        return directory;
    }

    private string CreateFlake(params string[] configurationNames)
    {
        var flake = Directory.CreateDirectory(Path.Combine(_directory, "flake-" + Guid.NewGuid().ToString("N"))).FullName;
        var configurations = string.Join(" ", configurationNames.Select(name => $"\"{name}\" = {{ }};"));
        File.WriteAllText(Path.Combine(flake, "flake.nix"), $"{{\n  outputs = {{ self }}: {{\n    nixosConfigurations = {{ {configurations} }};\n  }};\n}}\n");
        return flake;
    }
}
