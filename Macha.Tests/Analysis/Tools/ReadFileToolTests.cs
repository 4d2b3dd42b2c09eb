using Macha.Core.Analysis.Tools;

namespace Macha.Tests.Analysis.Tools;

public sealed class ReadFileToolTests : IDisposable
{
    private const string NginxConf = "/etc/nginx/nginx.conf";

    private readonly ToolTestContext _context = new();
    private readonly ReadFileTool _tool;

    public ReadFileToolTests()
    {
        _tool = new ReadFileTool(_context.Options, _context.Cache);
    }

    public void Dispose() => _context.Dispose();

    [Fact]
    public async Task InvokeAsync_AllowedFile_ResolvesChecksTypeAndReads()
    {
        WithRegularFile(NginxConf, "worker_processes auto;\n");

        var output = await _context.InvokeAsync(_tool, """{"path":"/etc/nginx/nginx.conf"}""");

        Assert.True(output.Succeeded);
        Assert.Equal(["readlink -e -v -- /etc/nginx/nginx.conf", "stat -c %F -- /etc/nginx/nginx.conf"], _context.Shell.CommandsRun);
        Assert.Equal("/etc/nginx/nginx.conf:\nworker_processes auto;", output.Text);
    }

    [Fact]
    public async Task InvokeAsync_LinkInsideRoots_ReadsTarget()
    {
        _context.Shell
            .WithCommand("readlink -e -v -- /etc/resolv.conf", "/run/systemd/resolve/stub-resolv.conf\n")
            .WithCommand("stat -c %F -- /run/systemd/resolve/stub-resolv.conf", "regular file\n")
            .WithFile("/run/systemd/resolve/stub-resolv.conf", "nameserver 127.0.0.53\n");

        var output = await _context.InvokeAsync(_tool, """{"path":"/etc/resolv.conf"}""");

        Assert.Equal("/etc/resolv.conf (a link to /run/systemd/resolve/stub-resolv.conf):\nnameserver 127.0.0.53", output.Text);
    }

    [Fact]
    public async Task InvokeAsync_LinkToShadow_IsRejected()
    {
        _context.Shell
            .WithCommand("readlink -e -v -- /var/log/innocent.log", "/etc/shadow\n")
            .WithFile("/etc/shadow", "root:$6$secret");

        var output = await _context.InvokeAsync(_tool, """{"path":"/var/log/innocent.log"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("symbolic link to '/etc/shadow'", output.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("$6$", output.Text, StringComparison.Ordinal);
        Assert.Equal(["readlink -e -v -- /var/log/innocent.log"], _context.Shell.CommandsRun);
    }

    [Fact]
    public async Task InvokeAsync_LinkOutsideRoots_IsRejected()
    {
        _context.Shell.WithCommand("readlink -e -v -- /etc/rootfile", "/root/.bash_history\n");

        var output = await _context.InvokeAsync(_tool, """{"path":"/etc/rootfile"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("not under a directory read_file may read", output.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/etc/shadow")]
    [InlineData("/etc/shadow-")]
    [InlineData("/etc/gshadow")]
    [InlineData("/etc/ssh/ssh_host_ed25519_key")]
    [InlineData("/etc/ssh/ssh_host_rsa_key.pub")]
    [InlineData("/etc/nixos/secrets/database.conf")]
    [InlineData("/etc/app/api-token")]
    [InlineData("/etc/app/Client_Secret.json")]
    [InlineData("/etc/app/PASSWORD.txt")]
    [InlineData("/etc/ssl/certs/server.pem")]
    [InlineData("/var/log/server.key")]
    [InlineData("/etc/ssl/private/server.crt")]
    [InlineData("/etc/NetworkManager/system-connections/home.nmconnection")]
    public async Task InvokeAsync_DeniedFile_RunsNothing(string path)
    {
        var output = await _context.InvokeAsync(_tool, System.Text.Json.JsonSerializer.Serialize(new { path }));

        Assert.False(output.Succeeded);
        Assert.Contains("matches the deny pattern", output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }

    [Theory]
    [InlineData("/etc/../etc/shadow", "must not contain '..'")]
    [InlineData("/var/log/../../etc/shadow", "must not contain '..'")]
    [InlineData("//etc/hosts", "'//'")]
    [InlineData("/etc//hosts", "'//'")]
    [InlineData("/etc/./hosts", "'.' components")]
    [InlineData("etc/hosts", "must be absolute")]
    [InlineData("-v", "must be absolute")]
    [InlineData("/etc/hosts\u0000.txt", "control characters")]
    [InlineData("/etc/hosts\u202E", "control characters")]
    [InlineData("/root/.bash_history", "not under a directory read_file may read")]
    [InlineData("/proc/self/environ", "not under a directory read_file may read")]
    [InlineData("/run/credentials/app/db", "not under a directory read_file may read")]
    [InlineData("/etcetera/hosts", "not under a directory read_file may read")]
    [InlineData("/var/lib/app/db", "not under a directory read_file may read")]
    public async Task InvokeAsync_InvalidPath_RunsNothingAndSaysWhy(string path, string expectedText)
    {
        var output = await _context.InvokeAsync(_tool, System.Text.Json.JsonSerializer.Serialize(new { path }));

        Assert.False(output.Succeeded);
        Assert.Contains(expectedText, output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }

    [Theory]
    [InlineData("""{"path":"/etc/hosts","max_bytes":0}""", "'max_bytes' must be from 1 to 65536")]
    [InlineData("""{"path":"/etc/hosts","max_bytes":65537}""", "'max_bytes' must be from 1 to 65536")]
    [InlineData("""{"path":"/etc/hosts","offset":10}""", "Unknown argument 'offset'")]
    [InlineData("""{"path":true}""", "must be a string")]
    public async Task InvokeAsync_InvalidArguments_RunsNothingAndSaysWhy(string argumentsJson, string expectedText)
    {
        var output = await _context.InvokeAsync(_tool, argumentsJson);

        Assert.False(output.Succeeded);
        Assert.Contains(expectedText, output.Text, StringComparison.Ordinal);
        Assert.Empty(_context.Shell.CommandsRun);
    }

    [Fact]
    public async Task InvokeAsync_ConfiguredDenyPattern_IsAddedToDefaults()
    {
        _context.Options.CurrentValue = new AnalysisToolOptions { ReadFileDenyPatterns = { "*.conf" } };

        var conf = await _context.InvokeAsync(_tool, """{"path":"/etc/nginx/nginx.conf"}""");
        var shadow = await _context.InvokeAsync(_tool, """{"path":"/etc/shadow"}""");

        Assert.Contains("'*.conf'", conf.Text, StringComparison.Ordinal);
        Assert.Contains("'/etc/shadow*'", shadow.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_Fifo_IsNotRead()
    {
        _context.Shell
            .WithCommand("readlink -e -v -- /run/systemd/initctl/fifo", "/run/systemd/initctl/fifo\n")
            .WithCommand("stat -c %F -- /run/systemd/initctl/fifo", "fifo\n");

        var output = await _context.InvokeAsync(_tool, """{"path":"/run/systemd/initctl/fifo"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("not a regular file", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_MissingFile_ReturnsReadlinkError()
    {
        _context.Shell.WithCommand("readlink -e -v -- /etc/nope", "", exitCode: 1, standardError: "readlink: /etc/nope: No such file or directory\n");

        var output = await _context.InvokeAsync(_tool, """{"path":"/etc/nope"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("No such file or directory", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_BinaryFile_IsRejected()
    {
        WithRegularFile("/var/log/wtmp", "\u0007\u0000\u0000\u0000tty1");

        var output = await _context.InvokeAsync(_tool, """{"path":"/var/log/wtmp"}""");

        Assert.False(output.Succeeded);
        Assert.Contains("binary file", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_FileLongerThanMaxBytes_SaysOnlyStartWasRead()
    {
        WithRegularFile("/etc/hosts", "127.0.0.1 localhost\n::1 localhost\n");

        var output = await _context.InvokeAsync(_tool, """{"path":"/etc/hosts","max_bytes":10}""");

        Assert.Equal("/etc/hosts:\n127.0.0.1\n[… only the first 10 bytes were read; the file may be longer]", output.Text);
    }

    [Fact]
    public async Task InvokeAsync_LargeFile_CutsToBudgetAndCaches()
    {
        WithRegularFile("/var/log/syslog", ToolTestContext.LongOutput(400));

        var output = await _context.InvokeAsync(_tool, """{"path":"/var/log/syslog","max_bytes":65536}""");

        Assert.True(output.Text.Length <= ToolOutputBudget.MaxCharacters, $"{output.Text.Length} characters");
        Assert.NotNull(output.CachedOutputId);
    }

    private void WithRegularFile(string path, string content) =>
        _context.Shell
            .WithCommand($"readlink -e -v -- {path}", path + "\n")
            .WithCommand($"stat -c %F -- {path}", "regular file\n")
            .WithFile(path, content);
}
