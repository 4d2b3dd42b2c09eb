using Macha.Core.Monitoring;
using Macha.Core.Monitoring.Parsers;
using Macha.Tests.TestData;

namespace Macha.Tests.Monitoring;

public sealed class JournalEventRecognizerTests
{
    [Fact]
    public void Recognize_CaseKernelKillLine_ReadsVictim()
    {
        var matches = RecognizeLines(Cases.Input("008-journal-oom-kill.txt", "A"));

        var victim = Assert.Single(matches, match => match.Role == JournalEventRole.OomVictim);
        Assert.Equal(401, victim.ProcessId);
        Assert.Equal("systemd-journal", victim.ProcessName);
        Assert.Equal(new OomVictimMemory(32724, 1112, 8888, 4), victim.Memory);
    }

    [Fact]
    public void Recognize_CaseKernelKillLine_SignalKillNamesUnit()
    {
        var matches = RecognizeLines(Cases.Input("008-journal-oom-kill.txt", "A"));

        var killed = Assert.Single(matches, match => match.Role == JournalEventRole.SignalKill);
        Assert.Equal("networkd-dispatcher.service", killed.Unit);
    }

    [Fact]
    public void Recognize_CaseInvokerHeader_NeverNamesVictim()
    {
        var matches = RecognizeLines(Cases.Input("008-journal-oom-kill.txt", "B"));

        var invoker = Assert.Single(matches);
        Assert.Equal(JournalEventRole.OomInvoker, invoker.Role);
        Assert.Equal("systemd-journal", invoker.ProcessName);
    }

    [Fact]
    public void Recognize_CaseOomKillResult_NamesUnit()
    {
        var matches = RecognizeLines(Cases.Input("008-journal-oom-kill.txt", "C"));

        var result = Assert.Single(matches);
        Assert.Equal(JournalEventRole.OomUnitResult, result.Role);
        Assert.Equal("ollama.service", result.Unit);
    }

    [Fact]
    public void Recognize_CaseNestedSlices_NamesEachUnit()
    {
        var matches = RecognizeLines(Cases.Input("008-journal-oom-kill.txt", "D"));

        Assert.Equal(
            ["user-1021.slice", "system-postgresql.slice", "user@1021.service", "user.slice", "system.slice"],
            matches.Select(match => match.Unit));
        Assert.All(matches, match => Assert.Equal(JournalEventRole.OomUnit, match.Role));
    }

    [Fact]
    public void Recognize_CaseResolvedFlood_FindsNoEvent()
    {
        var lines = Cases.Input("010-journal-resolved-dnssec-flood.txt", "A") + Cases.Input("010-journal-resolved-dnssec-flood.txt", "B");

        Assert.Empty(RecognizeLines(lines));
    }

    [Theory]
    [InlineData("Memory cgroup out of memory: Killed process 1300 (ollama) total-vm:9650120kB, anon-rss:5123456kB, file-rss:20480kB, shmem-rss:0kB, UID:0 pgtables:10560kB oom_score_adj:0", 1300, "ollama", 5123456L, 0L)]
    [InlineData("Killed process 2718 (java) total-vm:4194304kB, anon-rss:2097152kB, file-rss:1024kB", 2718, "java", 2097152L, null)]
    [InlineData("Out of memory: Killed process 77 ((sd-pam)) total-vm:1kB, anon-rss:2kB, file-rss:3kB, shmem-rss:4kB", 77, "(sd-pam)", 2L, 4L)]
    public void Recognize_KillLineForms_ReadsFigures(string message, int pid, string comm, long anonRss, long? shmemRss)
    {
        var match = JournalEventRecognizer.Recognize(Kernel(message));

        Assert.NotNull(match);
        Assert.Equal(JournalEventRole.OomVictim, match.Role);
        Assert.Equal(pid, match.ProcessId);
        Assert.Equal(comm, match.ProcessName);
        Assert.Equal(anonRss, match.Memory!.AnonRssKiB);
        Assert.Equal(shmemRss, match.Memory.ShmemRssKiB);
    }

    [Fact]
    public void Recognize_KillLineWithoutFigures_ReadsPidAndName()
    {
        var match = JournalEventRecognizer.Recognize(Kernel("Out of memory: Killed process 9 (worker)"));

        Assert.NotNull(match);
        Assert.Equal(9, match.ProcessId);
        Assert.Equal("worker", match.ProcessName);
        Assert.Null(match.Memory!.AnonRssKiB);
    }

    [Theory]
    [InlineData("app-worker[2211]: segfault at 0 ip 000055d5c8a1b2c3 sp 00007ffd4e3f2a10 error 4 in app-worker[55d5c8a00000+2f000]", "app-worker", 2211, "app-worker")]
    [InlineData("Web Content[31337]: segfault at 8 ip 00007f1c2b3d4e5f sp 00007ffe11223344 error 6 in libxul.so[7f1c28000000+5a00000]", "Web Content", 31337, "libxul.so")]
    [InlineData("python3[42]: segfault at 10 ip 00007f00 sp 00007ffc error 14", "python3", 42, null)]
    public void Recognize_SegfaultLine_ReadsProcessAndModule(string message, string comm, int pid, string? module)
    {
        var match = JournalEventRecognizer.Recognize(Kernel(message));

        Assert.NotNull(match);
        Assert.Equal(JournalEventKind.Segfault, match.Kind);
        Assert.Equal(comm, match.Subject);
        Assert.Equal(pid, match.ProcessId);
        Assert.Equal(module, match.Detail);
    }

    [Fact]
    public void Recognize_SegfaultInShortFormat_ReadsProcess()
    {
        var match = JournalEventRecognizer.Recognize(Line("Dec 01 10:00:00 host1 kernel: [ 912.5] app[7]: segfault at 0 ip 0 sp 0 error 4 in libc.so.6[7f00+1000]"));

        Assert.NotNull(match);
        Assert.Equal("app", match.Subject);
    }

    [Fact]
    public void Recognize_CoreDumpFields_PreferredOverMessage()
    {
        var entry = Entry("Process 2211 (app-worker) of user 0 dumped core.", "systemd-coredump", "journal") with
        {
            CoreDump = new CoreDumpFields(2211, "app-worker", "/usr/bin/app-worker", "SIGSEGV", "app-worker.service"),
        };

        var match = JournalEventRecognizer.Recognize(entry);

        Assert.NotNull(match);
        Assert.Equal(JournalEventKind.CoreDump, match.Kind);
        Assert.Equal("app-worker", match.Subject);
        Assert.Equal("SIGSEGV", match.Detail);
        Assert.Equal("/usr/bin/app-worker", match.Executable);
        Assert.Equal("app-worker.service", match.Unit);
    }

    [Fact]
    public void Recognize_CoreDumpMessageOnly_ReadsPidAndName()
    {
        var match = JournalEventRecognizer.Recognize(Line("Process 1234 (nginx: worker) of user 33 dumped core."));

        Assert.NotNull(match);
        Assert.Equal("nginx: worker", match.Subject);
        Assert.Equal(1234, match.ProcessId);
    }

    [Theory]
    [InlineData("Failed to mount /data.", "data.mount", "data.mount", null)]
    [InlineData("Failed to mount /data.", null, "data.mount", null)]
    [InlineData("Failed to mount /var/lib/my-app.", null, @"var-lib-my\x2dapp.mount", null)]
    [InlineData("data.mount: Mount process exited, code=exited, status=32/n/a", "data.mount", "data.mount", "32/n/a")]
    [InlineData("data.mount: Failed with result 'exit-code'.", "data.mount", "data.mount", "result exit-code")]
    [InlineData("Dependency failed for /srv/backup.", "srv-backup.mount", "srv-backup.mount", "dependency failed")]
    public void Recognize_MountFailureLine_NamesMountUnit(string message, string? referencedUnit, string subject, string? detail)
    {
        var entry = Entry(message, "systemd", "journal") with { ReferencedUnit = referencedUnit };

        var match = JournalEventRecognizer.Recognize(entry);

        Assert.NotNull(match);
        Assert.Equal(JournalEventKind.MountFailed, match.Kind);
        Assert.Equal(subject, match.Subject);
        Assert.Equal(detail, match.Detail);
    }

    [Fact]
    public void Recognize_DependencyFailedForTarget_ReturnsNull()
    {
        var entry = Entry("Dependency failed for Local File Systems.", "systemd", "journal") with { ReferencedUnit = "local-fs.target" };

        Assert.Null(JournalEventRecognizer.Recognize(entry));
    }

    [Fact]
    public void Recognize_NoSpaceLeft_SubjectIsUnit()
    {
        var entry = Entry("could not write to file \"pg_wal/xlogtemp.4001\": No space left on device", "postgres", "stdout") with { Unit = "postgresql.service" };

        var match = JournalEventRecognizer.Recognize(entry);

        Assert.NotNull(match);
        Assert.Equal(JournalEventKind.DiskFull, match.Kind);
        Assert.Equal("postgresql.service", match.Subject);
    }

    [Fact]
    public void Recognize_NoSpaceLeftWithoutUnit_SubjectIsIdentifier()
    {
        var match = JournalEventRecognizer.Recognize(Entry("write failed: No space left on device", "rsync", "syslog"));

        Assert.Equal("rsync", match!.Subject);
    }

    [Theory]
    [InlineData("Out of memory: Killed process 1 (init) total-vm:1kB, anon-rss:1kB, file-rss:1kB, shmem-rss:0kB")]
    [InlineData("evil[1]: segfault at 0 ip 0 sp 0 error 4")]
    public void Recognize_KernelWordsFromOtherTransport_ReturnsNull(string message)
    {
        Assert.Null(JournalEventRecognizer.Recognize(Entry(message, "kernel", "syslog")));
    }

    [Fact]
    public void Recognize_SystemdWordsFromOtherProgram_ReturnsNull()
    {
        var entry = Entry("ollama.service: Failed with result 'oom-kill'.", "logger", "syslog");

        Assert.Null(JournalEventRecognizer.Recognize(entry));
    }

    [Fact]
    public void Recognize_SystemdLineForwardedByKernel_NamesUnit()
    {
        var match = JournalEventRecognizer.Recognize(Kernel("systemd[1]: ollama.service: Failed with result 'oom-kill'."));

        Assert.Equal("ollama.service", match!.Unit);
    }

    [Fact]
    public void Recognize_LongProcessName_CapsSample()
    {
        var message = "Process 5 (" + new string('x', 60) + ") of user 0 dumped core. " + new string('y', 5000);

        var match = JournalEventRecognizer.Recognize(Line(message));

        Assert.NotNull(match);
        Assert.True(match.Sample.Length <= JournalEventRecognizer.MaxSampleLength + 1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Out of memory: Killed process 4")]
    [InlineData("Out of memory: Killed process 99999999999999999999 (x)")]
    [InlineData("\u0001\u0002\u00ff\ufffd binary")]
    [InlineData("Speicher erschöpft: Prozess 401 (systemd-journal) beendet")]
    [InlineData("[1]: segfault at")]
    [InlineData("Failed to mount")]
    [InlineData("Process x (y) of user z dumped core.")]
    public void Recognize_BadInput_ReturnsNullWithoutThrowing(string message)
    {
        Assert.Null(JournalEventRecognizer.Recognize(Line(message)));
    }

    [Fact]
    public void Recognize_HugeLine_ReturnsWithoutThrowing()
    {
        var message = string.Concat(Enumerable.Repeat("Killed process 1 (", 5000));

        var exception = Record.Exception(() => JournalEventRecognizer.Recognize(Kernel(message)));

        Assert.Null(exception);
    }

    /// <summary>Recognizes each line of a case's text input, as journalctl's short format gives it.</summary>
    internal static List<JournalEventMatch> RecognizeLines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JournalEventRecognizer.Recognize(Line(line)))
            .OfType<JournalEventMatch>()
            .ToList();

    private static JournalEntry Line(string message) => new(null, null, null, null, null, message);

    private static JournalEntry Kernel(string message) => Entry(message, "kernel", "kernel");

    private static JournalEntry Entry(string message, string identifier, string transport) =>
        new(null, null, null, null, identifier, message, Transport: transport);
}
