using Macha.Core.Configuration;
using Macha.Core.Cycle;
using Macha.Core.Monitoring;
using Macha.Tests.Fakes;
using Macha.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Configuration;

public sealed class OptionsValidatorsTests
{
    private static readonly ICollector[] Collectors = [new WorkingCollector("memory"), new WorkingCollector("disks")];

    [Fact]
    public void MachaOptions_Defaults_AreValid()
    {
        var result = new MachaOptionsValidator().Validate(null, new MachaOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("00:00:05", "Macha:CheckInterval")]
    [InlineData("2.00:00:00", "Macha:CheckInterval")]
    public void MachaOptions_CheckIntervalOutOfRange_NamesTheKey(string interval, string key)
    {
        var options = new MachaOptions { CheckInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) };

        var result = new MachaOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains(interval, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void MachaOptions_RetentionUnderAnHour_NamesTheKey()
    {
        var result = new MachaOptionsValidator().Validate(null, new MachaOptions { RetentionAge = TimeSpan.FromMinutes(5) });

        Assert.Contains("Macha:RetentionAge", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void MachaOptions_NoSnapshotFilesKept_NamesTheKey()
    {
        var result = new MachaOptionsValidator().Validate(null, new MachaOptions { SnapshotFilesMaxCount = 0 });

        Assert.Contains("Macha:SnapshotFilesMaxCount", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void MonitoringOptions_Defaults_AreValid()
    {
        var result = new MonitoringOptionsValidator(Collectors).Validate(null, new MonitoringOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void MonitoringOptions_UnknownDisabledCollector_ListsTheKnownOnes()
    {
        var options = new MonitoringOptions { DisabledCollectors = ["disk"] };

        var result = new MonitoringOptionsValidator(Collectors).Validate(null, options);

        Assert.Contains("Macha:Monitoring:DisabledCollectors names 'disk'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("memory, disks", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void MonitoringOptions_KnownDisabledCollectorInOtherCase_IsAccepted()
    {
        var options = new MonitoringOptions { DisabledCollectors = ["DISKS"] };

        var result = new MonitoringOptionsValidator(Collectors).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("-oProxyCommand=x")]
    [InlineData("example.org; rm -rf /")]
    [InlineData("two words")]
    [InlineData("")]
    public void MonitoringOptions_InvalidDnsName_NamesTheIndexedKey(string dnsName)
    {
        var options = new MonitoringOptions { DnsNames = ["localhost", dnsName] };

        var result = new MonitoringOptionsValidator(Collectors).Validate(null, options);

        Assert.Contains("Macha:Monitoring:DnsNames:1", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:65536")]
    [InlineData("[::1")]
    [InlineData("-c1")]
    [InlineData("host:port")]
    public void MonitoringOptions_InvalidReachabilityTarget_NamesTheIndexedKey(string target)
    {
        var options = new MonitoringOptions { ReachabilityTargets = [target] };

        var result = new MonitoringOptionsValidator(Collectors).Validate(null, options);

        Assert.Contains("Macha:Monitoring:ReachabilityTargets:0 is invalid", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:22")]
    [InlineData("[::1]:5380")]
    [InlineData("localhost")]
    public void MonitoringOptions_ValidReachabilityTarget_IsAccepted(string target)
    {
        var options = new MonitoringOptions { ReachabilityTargets = [target] };

        var result = new MonitoringOptionsValidator(Collectors).Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void MonitoringOptions_CommandTimeoutAboveCollectorTimeout_NamesBothKeys()
    {
        var options = new MonitoringOptions { CommandTimeout = TimeSpan.FromMinutes(1), CollectorTimeout = TimeSpan.FromSeconds(30) };

        var result = new MonitoringOptionsValidator(Collectors).Validate(null, options);

        Assert.Contains("Macha:Monitoring:CommandTimeout", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Macha:Monitoring:CollectorTimeout", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(31)]
    public void MonitoringOptions_NetworkMountTimeoutOutOfRange_NamesTheKey(int seconds)
    {
        var options = new MonitoringOptions { NetworkMountTimeout = TimeSpan.FromSeconds(seconds), CollectorTimeout = TimeSpan.FromSeconds(30) };

        var result = new MonitoringOptionsValidator(Collectors).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Macha:Monitoring:NetworkMountTimeout must be positive", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(257)]
    public void CycleOptions_ParallelHostsOutOfRange_NamesTheKey(int parallelHosts)
    {
        var result = new CycleOptionsValidator().Validate(null, new CycleOptions { MaxParallelHosts = parallelHosts });

        Assert.Contains("Macha:Cycle:MaxParallelHosts", result.FailureMessage, StringComparison.Ordinal);
    }

    // Built directly because WebApplicationFactory can read a failed host after the program disposed
    // it, and then reports ObjectDisposedException instead of the validation error.
    [Fact]
    public async Task Startup_InvalidCheckInterval_FailsWithTheKeyInTheMessage()
    {
        using var data = new TestDataDirectory();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(Program).Assembly.GetName().Name,
            Args =
            [
                $"--Macha:DataDirectory={data.Path}",
                "--Kestrel:Endpoints:Http:Url=http://127.0.0.1:0",
                "--Macha:CheckInterval=00:00:01",
            ],
        });
        builder.AddMacha();
        await using var app = builder.Build();
        app.UseMacha();

        var error = await Assert.ThrowsAnyAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Macha:CheckInterval must be between", error.Message, StringComparison.Ordinal);
    }
}
