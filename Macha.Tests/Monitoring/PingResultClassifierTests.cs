using Macha.Core.Hosts;
using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Parsers;
using Macha.Tests.TestData;

namespace Macha.Tests.Monitoring;

public sealed class PingResultClassifierTests
{
    private const string CommandText = "ping -c 1 -W 2 127.0.0.1";

    [Theory]
    [InlineData("A")]
    [InlineData("C")]
    [InlineData("D")]
    public void Classify_RecordedPermissionErrors_ReturnsNotPermitted(string input)
    {
        var result = Exited(2, standardError: Cases.Input("018-ping-not-permitted-localized.txt", input));

        var check = PingResultClassifier.Classify("127.0.0.1", result, CommandText);

        Assert.Equal(NetworkCheckOutcome.NotPermitted, check.Outcome);
    }

    [Fact]
    public void Classify_PermissionNoiseWithExitZero_ReturnsSucceeded()
    {
        var result = Exited(0, standardError: Cases.Input("018-ping-not-permitted-localized.txt", "B"));

        var check = PingResultClassifier.Classify("127.0.0.1", result, CommandText);

        Assert.Equal(NetworkCheckOutcome.Succeeded, check.Outcome);
    }

    [Fact]
    public void Classify_LocalizedSocketError_ReturnsNotPermitted()
    {
        var result = Exited(2, standardError: "ping: socket: 不允许的操作\n");

        var check = PingResultClassifier.Classify("127.0.0.1", result, CommandText);

        Assert.Equal(NetworkCheckOutcome.NotPermitted, check.Outcome);
    }

    [Fact]
    public void Classify_NoReply_ReturnsFailed()
    {
        var result = Exited(1, standardOutput: "PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.\n\n--- 127.0.0.1 ping statistics ---\n1 packets transmitted, 0 received, 100% packet loss, time 0ms\n");

        var check = PingResultClassifier.Classify("127.0.0.1", result, CommandText);

        Assert.Equal(NetworkCheckOutcome.Failed, check.Outcome);
        Assert.EndsWith("1 packets transmitted, 0 received, 100% packet loss, time 0ms", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_UnknownHost_ReturnsFailed()
    {
        var result = Exited(2, standardError: "ping: missing.invalid: Name or service not known\n");

        var check = PingResultClassifier.Classify("missing.invalid", result, CommandText);

        Assert.Equal(NetworkCheckOutcome.Failed, check.Outcome);
    }

    [Theory]
    [InlineData(CommandStatus.NotFound, NetworkCheckOutcome.NotPermitted)]
    [InlineData(CommandStatus.Failed, NetworkCheckOutcome.NotPermitted)]
    [InlineData(CommandStatus.TimedOut, NetworkCheckOutcome.Failed)]
    public void Classify_CommandDidNotExit_MapsStatus(CommandStatus status, NetworkCheckOutcome expected)
    {
        var result = new CommandResult(status, null, "", "", TimeSpan.FromSeconds(1), FailureReason: "Operation not permitted");

        var check = PingResultClassifier.Classify("127.0.0.1", result, CommandText);

        Assert.Equal(expected, check.Outcome);
    }

    private static CommandResult Exited(int exitCode, string standardOutput = "", string standardError = "") =>
        new(CommandStatus.Exited, exitCode, standardOutput, standardError, TimeSpan.FromMilliseconds(5));
}
