using Macha.Core.Actions;
using Microsoft.Extensions.Configuration;

namespace Macha.Tests.Actions;

public sealed class ActionOptionsValidatorTests
{
    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = new ActionOptionsValidator().Validate(null, new ActionOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Defaults_AutonomyLevel_IsSuggest()
    {
        Assert.Equal(AutonomyLevel.Suggest, new ActionOptions().AutonomyLevel);
    }

    [Theory]
    [InlineData("RestartLimitPerUnit", "-1", "RestartLimitPerUnit")]
    [InlineData("RestartLimitPerUnit", "101", "RestartLimitPerUnit")]
    [InlineData("RestartWindow", "00:00:00", "RestartWindow")]
    [InlineData("RestartWindow", "8.00:00:00", "RestartWindow")]
    [InlineData("MaxAutomaticActionsPerHour", "-1", "MaxAutomaticActionsPerHour")]
    [InlineData("MaxAutomaticActionsPerHour", "1001", "MaxAutomaticActionsPerHour")]
    [InlineData("RestartSettleTime", "-00:00:01", "RestartSettleTime")]
    [InlineData("RestartSettleTime", "00:05:01", "RestartSettleTime")]
    [InlineData("DryRunTimeout", "00:00:00", "DryRunTimeout")]
    [InlineData("DryRunTimeout", "00:30:01", "DryRunTimeout")]
    [InlineData("ProtectedUnits:0", "nginx service", "ProtectedUnits:0")]
    [InlineData("ProtectedUnits:0", "back?up", "ProtectedUnits:0")]
    [InlineData("ProtectedUnits:0", "a/b.service", "ProtectedUnits:0")]
    [InlineData("RiskOverrides:restart_unit", "ReadOnly", "RiskOverrides:restart_unit")]
    [InlineData("RiskOverrides:rebuild_nixos", "Medium", "RiskOverrides:rebuild_nixos")]
    [InlineData("RiskOverrides:describe_config_change", "High", "RiskOverrides:describe_config_change")]
    [InlineData("RiskOverrides:run_shell", "High", "RiskOverrides:run_shell")]
    public void Validate_InvalidValue_FailsNamingTheKey(string key, string value, string expectedKey)
    {
        var options = Bind(key, value);

        var result = new ActionOptionsValidator().Validate(null, options);

        var failure = Assert.Single(result.Failures ?? []);
        Assert.Contains($"Macha:Actions:{expectedKey}", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AutonomyLevel", "AutoFull")]
    [InlineData("AutonomyLevel", "observe")]
    [InlineData("RestartLimitPerUnit", "0")]
    [InlineData("RestartLimitPerUnit", "100")]
    [InlineData("RestartWindow", "7.00:00:00")]
    [InlineData("MaxAutomaticActionsPerHour", "0")]
    [InlineData("DryRunTimeout", "00:30:00")]
    [InlineData("ProtectedUnits:0", "backup-*")]
    [InlineData("ProtectedUnits:0", "container@web")]
    [InlineData("RiskOverrides:restart_unit", "Medium")]
    [InlineData("RiskOverrides:run_diagnostic", "ReadOnly")]
    [InlineData("RiskOverrides:rebuild_nixos", "NeverExecuted")]
    public void Validate_AcceptableValue_Succeeds(string key, string value)
    {
        var options = Bind(key, value);

        var result = new ActionOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_UndefinedAutonomyLevel_FailsNamingTheKey()
    {
        var options = new ActionOptions { AutonomyLevel = (AutonomyLevel)9 };

        var result = new ActionOptionsValidator().Validate(null, options);

        Assert.Contains("Macha:Actions:AutonomyLevel", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LoweredRisk_MessageShowsBuiltInRisk()
    {
        var options = Bind("RiskOverrides:rollback_nixos", "Low");

        var result = new ActionOptionsValidator().Validate(null, options);

        Assert.Contains("which is Medium by default; got Low", result.FailureMessage, StringComparison.Ordinal);
    }

    private static ActionOptions Bind(string key, string value)
    {
        // Binding from configuration parses the values as an appsettings file or environment variable would.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [$"{ActionOptions.SectionName}:{key}"] = value })
            .Build();
        var options = new ActionOptions();
        configuration.GetSection(ActionOptions.SectionName).Bind(options);
        return options;
    }
}
