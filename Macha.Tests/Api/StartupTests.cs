using System.Diagnostics;
using Macha.Core.Storage;
using Macha.Tests.Fakes;

namespace Macha.Tests.Api;

/// <summary>Starts the real program and checks how it fails when a person has to fix something.</summary>
public sealed class StartupTests
{
    [Fact]
    public void Acquire_DataDirectoryAlreadyLocked_ThrowsNamingTheDirectory()
    {
        using var data = new TestDataDirectory();
        using var first = new DataDirectoryLock();
        first.Acquire(data.Path);
        using var second = new DataDirectoryLock();

        var error = Assert.Throws<DataDirectoryInUseException>(() => second.Acquire(data.Path));

        Assert.Contains(data.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("Macha:DataDirectory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acquire_AfterTheHolderReleased_Succeeds()
    {
        using var data = new TestDataDirectory();
        var first = new DataDirectoryLock();
        first.Acquire(data.Path);
        first.Dispose();
        using var second = new DataDirectoryLock();

        var error = Record.Exception(() => second.Acquire(data.Path));

        Assert.Null(error);
    }

    [Theory]
    [InlineData("Macha__CheckInterval", "abc", "'Macha:CheckInterval'")]
    [InlineData("Macha__CheckInterval", "00:00:01", "Macha:CheckInterval must be between")]
    [InlineData("Macha__Monitoring__DisabledCollectors__0", "bogus", "Macha:Monitoring:DisabledCollectors names 'bogus'")]
    public async Task Main_InvalidSetting_ExitsWithOneClearMessage(string variable, string value, string expected)
    {
        using var data = new TestDataDirectory();
        var program = Path.Combine(AppContext.BaseDirectory, "macha.dll");
        var start = new ProcessStartInfo("dotnet", [program, "--Kestrel:Endpoints:Http:Url=http://127.0.0.1:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment =
            {
                ["Macha__DataDirectory"] = data.Path,
                [variable] = value,
            },
        };

        using var process = Process.Start(start)!;
        var standardError = process.StandardError.ReadToEndAsync();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(limit.Token);

        Assert.Equal(1, process.ExitCode);
        var message = await standardError;
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
        await standardOutput;
    }
}
