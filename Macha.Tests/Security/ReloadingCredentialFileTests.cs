using Macha.Tests.Fakes;
using Macha.Web.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Security;

/// <summary>Reading a credential file again when it changes, and what happens when the change is broken.</summary>
public sealed class ReloadingCredentialFileTests : IDisposable
{
    private readonly TestDataDirectory _directory = new();
    private readonly FakeTimeProvider _time = new();
    private readonly NewApiToken _first = CredentialTools.CreateToken("first", [MachaPolicies.Read]);
    private readonly NewApiToken _second = CredentialTools.CreateToken("second", [MachaPolicies.Operate]);
    private readonly string _path;

    public ReloadingCredentialFileTests()
    {
        _path = Path.Combine(_directory.Path, "tokens");
        File.WriteAllText(_path, _first.FileLine);
    }

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Current_FileChanged_SeesChangeOnlyAfterCheckInterval()
    {
        var file = Create(NullLogger.Instance);
        file.Load();
        File.WriteAllText(_path, _second.FileLine);

        var before = file.Current;
        _time.Advance(ReloadingCredentialFile<TokensFile>.CheckInterval);
        var after = file.Current;

        Assert.NotNull(before.Find(_first.Token));
        Assert.Null(after.Find(_first.Token));
        Assert.Equal("second", after.Find(_second.Token)?.Name);
    }

    [Fact]
    public void Current_ChangeBreaksAFile_GrantsNothingAndLogsTheLine()
    {
        var logger = new CapturingLogger();
        var file = Create(logger);
        file.Load();
        var secret = CredentialTools.CreateToken("third", [MachaPolicies.Read]).Token;
        File.WriteAllText(_path, $"{_first.FileLine}\nthird:read:{secret}\n");

        _time.Advance(ReloadingCredentialFile<TokensFile>.CheckInterval);
        var broken = file.Current;

        Assert.Equal(0, broken.Count);
        var entry = Assert.Single(logger.Messages, message => message.Level == LogLevel.Error);
        Assert.Contains($"Invalid line 2 of the API tokens file {_path}", entry.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, entry.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Current_BrokenFileFixed_GrantsAgainAndLogsOnce()
    {
        var logger = new CapturingLogger();
        var file = Create(logger);
        file.Load();
        File.WriteAllText(_path, "not a token line");
        _time.Advance(ReloadingCredentialFile<TokensFile>.CheckInterval);
        _ = file.Current;
        _time.Advance(ReloadingCredentialFile<TokensFile>.CheckInterval);
        _ = file.Current;

        File.WriteAllText(_path, _second.FileLine);
        _time.Advance(ReloadingCredentialFile<TokensFile>.CheckInterval);
        var fixedFile = file.Current;

        Assert.NotNull(fixedFile.Find(_second.Token));
        Assert.Single(logger.Messages, message => message.Level == LogLevel.Error);
    }

    [Fact]
    public void Current_FileDeleted_GrantsNothing()
    {
        var file = Create(NullLogger.Instance);
        file.Load();
        File.Delete(_path);

        _time.Advance(ReloadingCredentialFile<TokensFile>.CheckInterval);

        Assert.Equal(0, file.Current.Count);
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingThePathAndKey()
    {
        var file = new ReloadingCredentialFile<TokensFile>(
            Path.Combine(_directory.Path, "absent"), TokensFile.Kind, TokensFile.Parse, TokensFile.Empty, _time, NullLogger.Instance);

        var error = Assert.Throws<CredentialFileException>(file.Load);

        Assert.Contains(Path.Combine(_directory.Path, "absent"), error.Message, StringComparison.Ordinal);
        Assert.Contains("Macha:Authentication", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Store_PathWithCredentialsDirectory_ReadsTheFile()
    {
        var variable = $"MACHA_TEST_CREDENTIALS_{Environment.ProcessId}_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, _directory.Path);
        try
        {
            var options = Options.Create(new MachaAuthenticationOptions { TokensFile = $"${{{variable}}}/tokens" });
            var store = new CredentialStore(options, _time, NullLogger<CredentialStore>.Instance);

            store.Load();

            Assert.Equal("first", store.Tokens.Find(_first.Token)?.Name);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void Expand_UnsetVariable_NamesIt()
    {
        var ok = CredentialPaths.TryExpand("$MACHA_SURELY_UNSET_VARIABLE/users", out _, out var error);

        Assert.False(ok);
        Assert.Contains("MACHA_SURELY_UNSET_VARIABLE", error, StringComparison.Ordinal);
    }

    private ReloadingCredentialFile<TokensFile> Create(ILogger logger) =>
        new(_path, TokensFile.Kind, TokensFile.Parse, TokensFile.Empty, _time, logger);

    private sealed class CapturingLogger : ILogger
    {
        public List<(LogLevel Level, string Text)> Messages { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Add((logLevel, formatter(state, exception)));
    }
}
