using Macha.Core.Dependencies;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Macha.Tests.Dependencies;

public sealed class DependencyStatusServiceTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 22, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task GetAll_NoSources_ListsEveryKnownNameAsNotConfigured()
    {
        var service = Create();

        var statuses = await service.GetAllAsync();

        Assert.Equal(DependencyNames.All, statuses.Select(s => s.Name));
        Assert.All(statuses, s => Assert.Equal(DependencyState.NotConfigured, s.State));
    }

    [Fact]
    public async Task GetAll_RegisteredSource_ReturnsItsStatus()
    {
        var service = Create(new FixedSource(DependencyNames.Gotify, DependencyState.Ok, "Gotify answers."));

        var statuses = await service.GetAllAsync();

        var gotify = Assert.Single(statuses, s => s.Name == DependencyNames.Gotify);
        Assert.Equal(DependencyState.Ok, gotify.State);
        Assert.Equal("Gotify answers.", gotify.Detail);
        Assert.Equal(DependencyState.NotConfigured, statuses.Single(s => s.Name == DependencyNames.ChromaDb).State);
    }

    [Fact]
    public async Task GetAll_UnknownName_IsListedAfterKnownNames()
    {
        var service = Create(new FixedSource("mail", DependencyState.Degraded, "Slow."));

        var statuses = await service.GetAllAsync();

        Assert.Equal([.. DependencyNames.All, "mail"], statuses.Select(s => s.Name));
    }

    [Fact]
    public async Task Get_TwoSourcesForOneName_FirstRegisteredWins()
    {
        var service = Create(
            new FixedSource(DependencyNames.Hosts, DependencyState.Down, "first"),
            new FixedSource(DependencyNames.Hosts, DependencyState.Ok, "second"));

        var status = await service.GetAsync(DependencyNames.Hosts);

        Assert.Equal("first", status.Detail);
    }

    [Fact]
    public async Task Get_SourceThrows_ReturnsDownWithTheMessage()
    {
        var service = Create(new ThrowingSource(DependencyNames.ChromaDb));

        var status = await service.GetAsync(DependencyNames.ChromaDb);

        Assert.Equal(DependencyState.Down, status.State);
        Assert.Contains("connection refused", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_SourceNeverAnswers_ReturnsDownAfterTimeout()
    {
        var source = new HangingSource(DependencyNames.Ollama);
        var service = Create(source);

        var pending = service.GetAsync(DependencyNames.Ollama);
        await source.Started.Task;
        _time.Advance(DependencyStatusService.SourceTimeout + TimeSpan.FromSeconds(1));
        var status = await pending;

        Assert.Equal(DependencyState.Down, status.State);
        Assert.Contains("did not finish", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_CallerCancels_Throws()
    {
        var source = new HangingSource(DependencyNames.Ollama);
        var service = Create(source);
        using var cancellation = new CancellationTokenSource();

        var pending = service.GetAsync(DependencyNames.Ollama, cancellation.Token);
        await source.Started.Task;
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    private DependencyStatusService Create(params IDependencyStatusSource[] sources) =>
        new(sources, _time, NullLogger<DependencyStatusService>.Instance);

    private sealed class FixedSource(string name, DependencyState state, string detail) : IDependencyStatusSource
    {
        public string Name => name;

        public Task<DependencyStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(new DependencyStatus(name, state, detail, DateTimeOffset.UnixEpoch));
    }

    private sealed class ThrowingSource(string name) : IDependencyStatusSource
    {
        public string Name => name;

        public Task<DependencyStatus> GetStatusAsync(CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("connection refused");
    }

    private sealed class HangingSource(string name) : IDependencyStatusSource
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => name;

        public async Task<DependencyStatus> GetStatusAsync(CancellationToken cancellationToken = default)
        {
            Started.TrySetResult();

            // Ignores the token on purpose, like a client stuck in a call that cannot be cancelled.
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            throw new InvalidOperationException("unreachable");
        }
    }
}
