using Macha.Core.Detection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Macha.Tests.Detection;

public sealed class DetectionServiceCollectionExtensionsTests
{
    [Fact]
    public void AddMachaDetection_Defaults_RegistersAllDetectors()
    {
        using var provider = BuildProvider([]);

        var detectorTypes = provider.GetServices<IDetector>().Select(detector => detector.GetType().Name).Order(StringComparer.Ordinal);

        Assert.Equal(
            ["CollectorDetector", "DiskDetector", "FailedUnitDetector", "HostConnectionDetector", "JournalDetector", "JournalEventDetector", "LoadDetector", "MemoryDetector", "NetworkDetector", "NetworkMountDetector", "NixosDetector", "PressureDetector", "ProcessesDetector", "RebootDetector", "UnitActivatingDetector", "UnitFlappingDetector"],
            detectorTypes);
        Assert.NotNull(provider.GetService<DetectionEngine>());
    }

    [Fact]
    public void AddMachaDetection_CalledTwice_RegistersOnce()
    {
        var configuration = new ConfigurationBuilder().Build();
        var services = new ServiceCollection().AddLogging();
        services.AddMachaDetection(configuration);
        services.AddMachaDetection(configuration);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(16, provider.GetServices<IDetector>().Count());
    }

    [Fact]
    public void AddMachaDetection_ConfiguredValues_AreBound()
    {
        using var provider = BuildProvider(new Dictionary<string, string?>
        {
            ["Macha:Detection:DiskUsedWarningPercent"] = "70.5",
            ["Macha:Detection:RecentRebootWindow"] = "00:10:00",
            ["Macha:Detection:IgnoredUnits:0"] = "flaky.service",
        });

        var options = provider.GetRequiredService<IOptions<DetectionOptions>>().Value;

        Assert.Equal(70.5, options.DiskUsedWarningPercent);
        Assert.Equal(TimeSpan.FromMinutes(10), options.RecentRebootWindow);
        Assert.Equal(["flaky.service"], options.IgnoredUnits);
    }

    [Fact]
    public void AddMachaDetection_MountPrefix_AppendsToDefault()
    {
        using var provider = BuildProvider(new Dictionary<string, string?> { ["Macha:Detection:IgnoredMountPointPrefixes:0"] = "/snap/" });

        var options = provider.GetRequiredService<IOptions<DetectionOptions>>().Value;

        Assert.Equal(["/run/user/", "/snap/"], options.IgnoredMountPointPrefixes);
    }

    [Fact]
    public async Task AddMachaDetection_InvalidThreshold_FailsHostStart()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Macha:Detection:DiskUsedCriticalPercent"] = "50" });
        builder.Services.AddMachaDetection(builder.Configuration);
        using var host = builder.Build();

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Macha:Detection:DiskUsedCriticalPercent", exception.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider BuildProvider(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddMachaDetection(configuration).BuildServiceProvider();
    }
}
