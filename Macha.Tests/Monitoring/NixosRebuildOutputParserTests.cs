using Macha.Core.Monitoring.Parsers;
using Macha.Tests.TestData;

namespace Macha.Tests.Monitoring;

public sealed class NixosRebuildOutputParserTests
{
    private const string SwitchCase = "019-nixos-switch-unit-failed.txt";
    private const string EvaluationCase = "021-nixos-eval-error-dirty-tree.txt";
    private const string BuildCase = "022-nix-build-dependency-chain.txt";

    [Fact]
    public void Parse_UnitFailedAfterSwitch_ReportsSwitchedNotFailed()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(SwitchCase, "A"));

        Assert.True(report.Activated);
        Assert.Equal(["mount-pstore.service"], report.FailedUnits);
        Assert.Empty(report.Errors);
        Assert.Null(report.FailedStage);
        Assert.True(report.SwitchedWithFailedUnits);
    }

    [Fact]
    public void Parse_UnitFailedAfterSwitch_KeepsStatusBlock()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(SwitchCase, "A"));

        Assert.NotNull(report.FailedUnitsStatus);
        Assert.StartsWith("● mount-pstore.service", report.FailedUnitsStatus, StringComparison.Ordinal);
        Assert.Contains("Active: failed (Result: exit-code)", report.FailedUnitsStatus, StringComparison.Ordinal);
        Assert.Contains("Main PID: 7021 (code=exited, status=32)", report.FailedUnitsStatus, StringComparison.Ordinal);
        Assert.Contains("pstore already mounted on /sys/fs/pstore", report.FailedUnitsStatus, StringComparison.Ordinal);
        Assert.EndsWith("Failed to start mount-pstore.service.", report.FailedUnitsStatus, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnitFailedAfterSwitch_KeepsSwitchWarning()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(SwitchCase, "A"));

        Assert.Contains("warning: error(s) occurred while switching to the new configuration", report.Warnings);
    }

    [Fact]
    public void Parse_UnattendedUpgradeJournal_ReportsActivationError()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(SwitchCase, "B"));

        Assert.True(report.Activated);
        Assert.Equal("/nix/store/kj7g6gw08hhrwc2ahhynsj1cyvmaw7q5-nixos-system-host2-21.11.335288.3ddd960a3b5", report.NewSystemPath);
        Assert.Equal(NixosRebuildStage.Activation, report.FailedStage);
        Assert.Equal(["proc-sys-fs-binfmt_misc.mount is not active, cannot reload."], report.Errors);
        Assert.Empty(report.FailedUnits);
    }

    [Fact]
    public void Parse_RustSwitchError_JoinsMessageAndCause()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(SwitchCase, "C"));

        Assert.Equal(NixosRebuildStage.Activation, report.FailedStage);
        Assert.Equal(["Failed to run user activation for user1 — Permission denied (os error 13)"], report.Errors);
        Assert.Equal("Failed to run user activation for user1 — Permission denied (os error 13)", report.ErrorSummary);
    }

    [Fact]
    public void Parse_RustSwitchError_IgnoresDiffBlockAndSecretsLines()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(SwitchCase, "C"));

        Assert.True(report.Activated);
        Assert.Equal("/nix/store/xj3icmv6yp869q7x0bvkvm5g3jda9b1r-nixos-system-wsl-24.11.20240612.57d6973", report.NewSystemPath);
        Assert.Single(report.Errors);
        Assert.Empty(report.Warnings);
        Assert.Empty(report.FailedUnits);
    }

    [Fact]
    public void Parse_MissingFlakeAttribute_ReportsEvaluationError()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(EvaluationCase, "A"));

        Assert.Equal(NixosRebuildStage.Evaluation, report.FailedStage);
        var error = Assert.Single(report.Errors);
        Assert.StartsWith("error: flake 'git+file:///home/user1/nixos-config' does not provide attribute", error, StringComparison.Ordinal);
        Assert.Equal(error, report.ErrorSummary);
    }

    [Fact]
    public void Parse_MissingFlakeAttribute_NamesMissingConfiguration()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(EvaluationCase, "A"));

        Assert.Equal("nixos", report.MissingConfigurationName);
        Assert.Equal("/home/user1/nixos-config/hosts/myhost", report.FlakeSearchedUpFrom);
    }

    [Theory]
    [InlineData("A")]
    [InlineData("B")]
    public void Parse_DirtyTree_IsNeverAnError(string input)
    {
        var output = Cases.Input(EvaluationCase, input);
        var withWarning = input == "A" ? output : "warning: Git tree '/home/user1/nixos-config' is dirty\n" + output;

        var report = NixosRebuildOutputParser.Parse(withWarning);

        Assert.DoesNotContain(report.Errors, error => error.Contains("is dirty", StringComparison.Ordinal));
        Assert.DoesNotContain("is dirty", report.ErrorSummary, StringComparison.Ordinal);
        Assert.Contains("warning: Git tree '/home/user1/nixos-config' is dirty", report.Warnings);
    }

    [Fact]
    public void Parse_DirtyTreeAlone_ReportsNoFailure()
    {
        var report = NixosRebuildOutputParser.Parse("warning: Git tree '/home/user1/nixos-config' is dirty\nbuilding the system configuration...\n");

        Assert.Null(report.FailedStage);
        Assert.Empty(report.Errors);
    }

    [Fact]
    public void Parse_EvaluationTrace_TakesLastNestedError()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(EvaluationCase, "B"));

        Assert.Equal(NixosRebuildStage.Evaluation, report.FailedStage);
        Assert.Equal(
            "error: getting status of '/nix/store/i9xm3vhir130v2ckywsqj1x3hd9zhhja-source/hardware-configuration.nix': No such file or directory",
            report.ErrorSummary);
        Assert.Single(report.Errors);
    }

    [Fact]
    public void Parse_EvaluationTrace_LeavesTruncationNoteOut()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(EvaluationCase, "B"));

        Assert.DoesNotContain("stack trace truncated", report.ErrorSummary, StringComparison.Ordinal);
        Assert.DoesNotContain("--show-trace", report.ErrorSummary, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NewNixDependencyChain_FindsLeafDerivation()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(BuildCase, "A"));

        Assert.Equal(NixosRebuildStage.Build, report.FailedStage);
        var leaf = Assert.Single(report.FailedDerivations);
        Assert.Equal("/nix/store/rk6q9py0951fs6xa414ww4lp4i6b1nfq-linux-src-patched.drv", leaf.Path);
        Assert.Equal("linux-src-patched", leaf.Name);
        Assert.Null(leaf.ExitCode);
        Assert.Equal("linux-src-patched failed to build", report.ErrorSummary);
    }

    [Fact]
    public void Parse_NewNixDependencyChain_KeepsLogTail()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(BuildCase, "A"));

        var leaf = Assert.Single(report.FailedDerivations);
        Assert.Equal(7, leaf.LogTail.Count);
        Assert.Equal("patching file drivers/staging/apple-bce/vhci/queue.h", leaf.LogTail[0]);
        Assert.Equal("patching file include/linux/soc/apple/dockchannel.h", leaf.LogTail[^1]);
    }

    [Fact]
    public void Parse_NewNixDependencyChain_ListsConsequencesEndingAtSystem()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(BuildCase, "A"));

        Assert.Equal(5, report.DependentDerivations.Count);
        Assert.Equal("/nix/store/pwsr6ck6rs1qdw09maf8v704fpvp5595-nixos-system-laptop1-26.05.20260107.5912c17.drv", report.DependentDerivations[^1]);
        Assert.Equal(["linux-src-patched failed to build"], report.Errors);
    }

    [Fact]
    public void Parse_WrappedCommandLine_IsNeverTheError()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(BuildCase, "A"));

        Assert.DoesNotContain(report.Errors, error => error.Contains("Command '", StringComparison.Ordinal));
        Assert.DoesNotContain("laptop1", report.ErrorSummary, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OldNixDependencyChain_FindsLeafWithExitCode()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(BuildCase, "B"));

        Assert.Equal(NixosRebuildStage.Build, report.FailedStage);
        var leaf = Assert.Single(report.FailedDerivations);
        Assert.Equal("b43-firmware-5.100.138", leaf.Name);
        Assert.Equal(126, leaf.ExitCode);
        Assert.Equal("b43-firmware-5.100.138 failed to build: its builder exited with code 126", report.ErrorSummary);
    }

    [Fact]
    public void Parse_OldNixDependencyChain_ListsConsequencesOnce()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(BuildCase, "B"));

        Assert.Equal(
            [
                "/nix/store/lhp9clw4wx4vqllsdpqvmfjxmzpi3pl0-firmware.drv",
                "/nix/store/z642qazcjlf2c4ra173ciw6i2w417lg7-nixos-system-usb-nixos-19.09.809.5000b1478a1.drv",
            ],
            report.DependentDerivations);
    }

    [Fact]
    public void Parse_OldNixDependencyChain_KeepsLogWithoutParallelBuildNoise()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(BuildCase, "B"));

        var leaf = Assert.Single(report.FailedDerivations);
        Assert.Equal(2, leaf.LogTail.Count);
        Assert.All(leaf.LogTail, line => Assert.EndsWith("cannot execute binary file", line, StringComparison.Ordinal));
        Assert.DoesNotContain(leaf.LogTail, line => line.StartsWith("building", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_SourcingBinaryStoreFile_SuspectsStoreCorruption()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(BuildCase, "B"));

        Assert.True(report.StoreCorruptionSuspected);
    }

    [Fact]
    public void Parse_PatchFailure_DoesNotSuspectStoreCorruption()
    {
        var report = NixosRebuildOutputParser.Parse(Cases.Input(BuildCase, "A"));

        Assert.False(report.StoreCorruptionSuspected);
    }

    [Fact]
    public void Parse_Nix2xCannotBuild_ReadsReasonAndLog()
    {
        const string Output = """
            error: Cannot build '/nix/store/4lmnzx45iy43kwjqn1xna7z3dj8grrz5-hello-2.12.1.drv'.
                   Reason: builder failed with exit code 2.
                   Output paths:
                     /nix/store/awri8visnqf95b9ff0zbhj09spl83xrr-hello-2.12.1
                   Last 25 log lines:
                   > make: *** [Makefile:1: all] Error 1
                   For full logs, run:
                     nix log /nix/store/4lmnzx45iy43kwjqn1xna7z3dj8grrz5-hello-2.12.1.drv
            error: 1 dependencies of derivation '/nix/store/rr6yr3c4dwa7m36096p14dq9hnpy77zx-nixos-system-web1-25.05.806273.650e572363c0.drv' failed to build

            """;

        var report = NixosRebuildOutputParser.Parse(Output);

        var leaf = Assert.Single(report.FailedDerivations);
        Assert.Equal("hello-2.12.1", leaf.Name);
        Assert.Equal(2, leaf.ExitCode);
        Assert.Equal(["make: *** [Makefile:1: all] Error 1"], leaf.LogTail);
        Assert.Single(report.DependentDerivations);
    }

    [Fact]
    public void Parse_DownloadFailure_ReportsFetchStage()
    {
        var report = NixosRebuildOutputParser.Parse(
            "error: unable to download 'https://cache.nixos.org/nar/abc.nar.xz': Couldn't resolve host name (6)\n");

        Assert.Equal(NixosRebuildStage.Fetch, report.FailedStage);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n\n")]
    [InlineData("\u0000\u0001\u00ff\ufffd\u0085")]
    [InlineData("building the system configuration...\n")]
    [InlineData("error:")]
    [InlineData("Error: ")]
    [InlineData("warning: the following units failed: ")]
    [InlineData("> \n> \nnix log /nix/store/x.drv\n")]
    [InlineData("error: 1 dependencies of derivation '/nix/store/x")]
    public void Parse_OddInput_DoesNotThrow(string output)
    {
        var report = NixosRebuildOutputParser.Parse(output);

        Assert.NotNull(report);
    }

    [Fact]
    public void Parse_Nothing_ReportsNoFailure()
    {
        var report = NixosRebuildOutputParser.Parse("");

        Assert.Null(report.FailedStage);
        Assert.False(report.Activated);
        Assert.Empty(report.Errors);
    }

    [Theory]
    [InlineData("/nix/store/rk6q9py0951fs6xa414ww4lp4i6b1nfq-linux-src-patched.drv", "linux-src-patched")]
    [InlineData("/nix/store/c74h6ikm6iiri40f4xx0lnwpsbbix9d1-b43-firmware-5.100.138.drv", "b43-firmware-5.100.138")]
    [InlineData("/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-not-base32.drv", "/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-not-base32.drv")]
    [InlineData("/nix/store/short-name.drv", "/nix/store/short-name.drv")]
    public void DerivationName_StorePath_StripsHashAndExtension(string path, string expected)
    {
        var name = NixosRebuildOutputParser.DerivationName(path);

        Assert.Equal(expected, name);
    }
}
