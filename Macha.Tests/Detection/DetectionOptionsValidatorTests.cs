using Macha.Core.Detection;

namespace Macha.Tests.Detection;

public sealed class DetectionOptionsValidatorTests
{
    private readonly DetectionOptionsValidator _validator = new();

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = _validator.Validate(null, new DetectionOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_CriticalBelowWarning_FailsNamingKey()
    {
        var result = _validator.Validate(null, new DetectionOptions { DiskUsedCriticalPercent = 50 });

        var failure = Assert.Single(result.Failures!);
        Assert.Equal("Macha:Detection:DiskUsedCriticalPercent must be between 1 and 100 and not below DiskUsedWarningPercent (85); got 50.", failure);
    }

    [Theory]
    [InlineData(nameof(DetectionOptions.DiskUsedWarningPercent), 0)]
    [InlineData(nameof(DetectionOptions.DiskUsedWarningPercent), 100.5)]
    [InlineData(nameof(DetectionOptions.InodeUsedWarningPercent), 0.5)]
    [InlineData(nameof(DetectionOptions.MemoryUsedWarningPercent), -1)]
    [InlineData(nameof(DetectionOptions.SwapUsedWarningPercent), 101)]
    [InlineData(nameof(DetectionOptions.CpuUsedWarningPercent), 0)]
    [InlineData(nameof(DetectionOptions.CpuUsedWarningPercent), double.NaN)]
    [InlineData(nameof(DetectionOptions.CpuPressureSomeAvg60WarningPercent), 0)]
    [InlineData(nameof(DetectionOptions.MemoryPressureFullAvg60WarningPercent), 101)]
    [InlineData(nameof(DetectionOptions.IoPressureFullAvg60WarningPercent), double.NaN)]
    public void Validate_WarningPercentOutOfRange_FailsNamingKey(string key, double value)
    {
        var options = new DetectionOptions();
        typeof(DetectionOptions).GetProperty(key)!.SetValue(options, value);

        var result = _validator.Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith($"Macha:Detection:{key} must be between 1 and 100; got ", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Validate_GenerationCountBelowOne_FailsNamingKey(int count)
    {
        var result = _validator.Validate(null, new DetectionOptions { NixosGenerationsWarningCount = count });

        var failure = Assert.Single(result.Failures!);
        Assert.Equal($"Macha:Detection:NixosGenerationsWarningCount must be at least 1; got {count}.", failure);
    }

    [Theory]
    [InlineData(nameof(DetectionOptions.DiskUsedCriticalPercent), 101)]
    [InlineData(nameof(DetectionOptions.InodeUsedCriticalPercent), 84)]
    [InlineData(nameof(DetectionOptions.MemoryUsedCriticalPercent), 89.9)]
    [InlineData(nameof(DetectionOptions.SwapUsedCriticalPercent), double.NaN)]
    [InlineData(nameof(DetectionOptions.MemoryPressureFullAvg60CriticalPercent), 9)]
    [InlineData(nameof(DetectionOptions.IoPressureFullAvg60CriticalPercent), 100.5)]
    public void Validate_CriticalPercentInvalid_FailsNamingKey(string key, double value)
    {
        var options = new DetectionOptions();
        typeof(DetectionOptions).GetProperty(key)!.SetValue(options, value);

        var result = _validator.Validate(null, options);

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith($"Macha:Detection:{key} must be between 1 and 100 and not below ", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(85, 85)]
    [InlineData(100, 100)]
    public void Validate_PercentPairAtBoundaries_Succeeds(double warning, double critical)
    {
        var options = new DetectionOptions { DiskUsedWarningPercent = warning, DiskUsedCriticalPercent = critical };

        var result = _validator.Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(double.NaN)]
    public void Validate_LoadWarningNotPositive_FailsNamingKey(double value)
    {
        var result = _validator.Validate(null, new DetectionOptions { LoadPerCoreWarning = value });

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Macha:Detection:LoadPerCoreWarning must be greater than 0; got ", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.9)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Validate_LoadCriticalBelowWarning_FailsNamingKey(double value)
    {
        var result = _validator.Validate(null, new DetectionOptions { LoadPerCoreCritical = value });

        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Macha:Detection:LoadPerCoreCritical must not be below LoadPerCoreWarning (2); got ", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LoadCriticalEqualToWarning_Succeeds()
    {
        var result = _validator.Validate(null, new DetectionOptions { LoadPerCoreWarning = 3, LoadPerCoreCritical = 3 });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    public void Validate_JournalErrorBurstCount_RequiresAtLeastOne(int count, bool expected)
    {
        var result = _validator.Validate(null, new DetectionOptions { JournalErrorBurstCount = count });

        Assert.Equal(expected, result.Succeeded);
        if (!expected)
        {
            Assert.Equal("Macha:Detection:JournalErrorBurstCount must be at least 1; got 0.", Assert.Single(result.Failures!));
        }
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    public void Validate_UninterruptibleProcessWarningCount_RequiresAtLeastOne(int count, bool expected)
    {
        var result = _validator.Validate(null, new DetectionOptions { UninterruptibleProcessWarningCount = count });

        Assert.Equal(expected, result.Succeeded);
        if (!expected)
        {
            Assert.Equal("Macha:Detection:UninterruptibleProcessWarningCount must be at least 1; got 0.", Assert.Single(result.Failures!));
        }
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    public void Validate_RecentRebootWindow_RejectsNegative(int seconds, bool expected)
    {
        var result = _validator.Validate(null, new DetectionOptions { RecentRebootWindow = TimeSpan.FromSeconds(seconds) });

        Assert.Equal(expected, result.Succeeded);
        if (!expected)
        {
            Assert.Equal("Macha:Detection:RecentRebootWindow must not be negative; got -00:00:01.", Assert.Single(result.Failures!));
        }
    }

    [Fact]
    public void Validate_EmptyMountPrefix_FailsNamingKey()
    {
        var options = new DetectionOptions { IgnoredMountPointPrefixes = ["/run/user/", " "] };

        var result = _validator.Validate(null, options);

        Assert.Equal("Macha:Detection:IgnoredMountPointPrefixes must not contain empty entries.", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_EmptyIgnoredUnit_FailsNamingKey()
    {
        var options = new DetectionOptions { IgnoredUnits = [""] };

        var result = _validator.Validate(null, options);

        Assert.Equal("Macha:Detection:IgnoredUnits must not contain empty entries.", Assert.Single(result.Failures!));
    }

    [Fact]
    public void Validate_SeveralInvalidValues_ReportsEach()
    {
        var options = new DetectionOptions { DiskUsedWarningPercent = 0, JournalErrorBurstCount = 0, IgnoredUnits = [""] };

        var result = _validator.Validate(null, options);

        Assert.Equal(3, result.Failures!.Count());
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(-60, false)]
    [InlineData(1, true)]
    public void Validate_UnitActivatingTooLong_RequiresPositive(int seconds, bool expected)
    {
        var result = _validator.Validate(null, new DetectionOptions { UnitActivatingTooLong = TimeSpan.FromSeconds(seconds) });

        Assert.Equal(expected, result.Succeeded);
        if (!expected)
        {
            Assert.StartsWith("Macha:Detection:UnitActivatingTooLong must be greater than zero; got ", Assert.Single(result.Failures!), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    public void Validate_UnitRestartBurstCount_RequiresAtLeastOne(int count, bool expected)
    {
        var result = _validator.Validate(null, new DetectionOptions { UnitRestartBurstCount = count });

        Assert.Equal(expected, result.Succeeded);
        if (!expected)
        {
            Assert.Equal("Macha:Detection:UnitRestartBurstCount must be at least 1; got 0.", Assert.Single(result.Failures!));
        }
    }

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    public void Validate_UnitFailedDuringBootWindow_RejectsNegative(int seconds, bool expected)
    {
        var result = _validator.Validate(null, new DetectionOptions { UnitFailedDuringBootWindow = TimeSpan.FromSeconds(seconds) });

        Assert.Equal(expected, result.Succeeded);
        if (!expected)
        {
            Assert.Equal("Macha:Detection:UnitFailedDuringBootWindow must not be negative; got -00:00:01.", Assert.Single(result.Failures!));
        }
    }
}
