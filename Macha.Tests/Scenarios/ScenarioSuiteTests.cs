using Macha.Core;
using Macha.Core.Detection;
using Macha.Core.Monitoring;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Macha.Tests.Scenarios;

/// <summary>
/// Runs every recorded scenario through the real collectors and detectors, two cycles in a row,
/// and requires exactly the findings the scenario lists from the second cycle.
/// </summary>
public sealed class ScenarioSuiteTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset ScenarioTime = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> ScenarioNames()
    {
        var names = new TheoryData<string>();
        foreach (var name in Scenario.Names())
        {
            names.Add(name);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(ScenarioNames))]
    public async Task Scenario_Replayed_ProducesExactlyTheExpectedFindings(string scenarioName)
    {
        var scenario = Scenario.Load(scenarioName);

        var findings = await RunAsync(scenario);

        var actual = findings.Select(f => new ExpectedFinding(f.Kind.ToString(), f.Subject, f.Severity.ToString())).ToHashSet();
        var missing = scenario.Expected.Where(e => !actual.Contains(e)).ToList();
        var unexpected = actual.Where(a => !scenario.Expected.Contains(a)).ToList();
        Assert.True(
            missing.Count == 0 && unexpected.Count == 0,
            $"{scenario.Description}\nmissing: {string.Join("; ", missing)}\nunexpected: {string.Join("; ", unexpected)}\n"
                + $"all findings: {string.Join("; ", findings.Select(f => $"{f.Kind} | {f.Subject} | {f.Severity}: {f.Summary}"))}");
    }

    [Fact]
    public void Suite_Always_HasHealthyControlsAndThirtyScenarios()
    {
        var scenarios = Scenario.Names().Select(Scenario.Load).ToList();

        Assert.True(scenarios.Count >= 30, $"only {scenarios.Count} scenarios");
        Assert.True(scenarios.Count(s => s.Expected.Count == 0) >= 5, "fewer than five healthy controls");
        Assert.All(scenarios, s => Assert.False(string.IsNullOrWhiteSpace(s.Description), $"{s.Name} has no description"));
    }

    /// <summary>
    /// Prints the suite's precision and recall over all scenarios, the figures docs/benchmarks.md
    /// records: run with --logger "console;verbosity=detailed" to see them.
    /// </summary>
    [Fact]
    public async Task Suite_AllScenarios_ReportsPrecisionAndRecall()
    {
        int truePositives = 0, falsePositives = 0, falseNegatives = 0;
        foreach (var scenario in Scenario.Names().Select(Scenario.Load))
        {
            var actual = (await RunAsync(scenario))
                .Select(f => new ExpectedFinding(f.Kind.ToString(), f.Subject, f.Severity.ToString()))
                .ToHashSet();
            truePositives += scenario.Expected.Count(actual.Contains);
            falseNegatives += scenario.Expected.Count(e => !actual.Contains(e));
            falsePositives += actual.Count(a => !scenario.Expected.Contains(a));
        }

        var precision = truePositives + falsePositives == 0 ? 1.0 : (double)truePositives / (truePositives + falsePositives);
        var recall = truePositives + falseNegatives == 0 ? 1.0 : (double)truePositives / (truePositives + falseNegatives);
        output.WriteLine($"scenarios: {Scenario.Names().Count()}, expected findings: {truePositives + falseNegatives}, "
            + $"true positives: {truePositives}, false positives: {falsePositives}, false negatives: {falseNegatives}, "
            + $"precision: {precision:0.000}, recall: {recall:0.000}");

        Assert.True(truePositives > 0);
        Assert.Equal(1.0, precision);
        Assert.Equal(1.0, recall);
    }

    /// <summary>
    /// Checks that the healthy base host records every command and file the collectors read, so a
    /// scenario that changes one section tests that section and not a gap in the base.
    /// </summary>
    [Fact]
    public async Task BaseHost_Collected_EveryCollectorOkExceptNixos()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Macha:DataDirectory"] = Path.Combine(Path.GetTempPath(), "macha-scenarios-unused"),
            ["Macha:Monitoring:CommandTimeout"] = "00:00:00.200",
            ["Macha:Monitoring:CollectorTimeout"] = "00:00:10",
        };
        var time = new FakeTimeProvider(ScenarioTime.AddMinutes(-5));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddMachaCore(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        await using var provider = services.BuildServiceProvider();
        var collector = provider.GetRequiredService<SnapshotCollector>();
        var baseHost = Scenario.Load(Scenario.BaseFileName);

        // The second collection is the one checked, because the journal, CPU and restart checks
        // read the first collection's cursor and counters.
        var previous = await collector.CollectAsync(new ScenarioShell(baseHost, previousCycle: true), null);
        time.Advance(TimeSpan.FromMinutes(5));
        var current = await collector.CollectAsync(new ScenarioShell(baseHost, previousCycle: false), previous);

        Assert.Equal(collector.EnabledCollectorNames().Order(StringComparer.Ordinal), current.Collectors.Select(s => s.Name).Order(StringComparer.Ordinal));
        foreach (var status in current.Collectors.Where(s => s.Name != "nixos"))
        {
            Assert.True(status.State == CollectorState.Ok, $"{status.Name} is {status.State}: {status.Detail}");
        }

        // The base is a Debian host, so the NixOS checks have nothing to read.
        var nixos = Assert.Single(current.Collectors, s => s.Name == "nixos");
        Assert.Equal(CollectorState.NotApplicable, nixos.State);
        Assert.Equal("not a NixOS host", nixos.Detail);
        output.WriteLine(string.Join(", ", current.Collectors.Select(s => $"{s.Name}: {s.State}")));
    }

    private static async Task<IReadOnlyList<Finding>> RunAsync(Scenario scenario)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Macha:DataDirectory"] = Path.Combine(Path.GetTempPath(), "macha-scenarios-unused"),
            ["Macha:Monitoring:CommandTimeout"] = "00:00:00.200",
            ["Macha:Monitoring:CollectorTimeout"] = "00:00:10",
        };
        foreach (var (key, value) in scenario.Settings)
        {
            settings[key] = value;
        }

        var time = new FakeTimeProvider(ScenarioTime.AddMinutes(-5));
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddMachaCore(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        await using var provider = services.BuildServiceProvider();
        var collector = provider.GetRequiredService<SnapshotCollector>();
        var detection = provider.GetRequiredService<DetectionEngine>();

        var previous = await collector.CollectAsync(new ScenarioShell(scenario, previousCycle: true), null);
        time.Advance(TimeSpan.FromMinutes(5));
        var current = await collector.CollectAsync(new ScenarioShell(scenario, previousCycle: false), previous);
        return detection.Detect(current, previous);
    }
}
