using Macha.Core.Notifications;

namespace Macha.Tests.Notifications;

public sealed class NotificationQueueTests
{
    [Fact]
    public async Task Enqueue_Full_DropsOldestNonCritical()
    {
        using var queue = new NotificationQueue(() => 3);
        queue.Enqueue(Message("critical-1", 8));
        queue.Enqueue(Message("normal-1", 5));
        queue.Enqueue(Message("normal-2", 5));

        var accepted = queue.Enqueue(Message("normal-3", 5));

        Assert.False(accepted);
        Assert.Equal(1, queue.DroppedCount);
        Assert.Equal(["critical-1", "normal-2", "normal-3"], await DrainAsync(queue, 3));
    }

    [Fact]
    public async Task Enqueue_FullOfCritical_DropsTheNewNonCritical()
    {
        using var queue = new NotificationQueue(() => 2);
        queue.Enqueue(Message("critical-1", 8));
        queue.Enqueue(Message("critical-2", 9));

        queue.Enqueue(Message("normal", 5));

        Assert.Equal(1, queue.DroppedCount);
        Assert.Equal(["critical-1", "critical-2"], await DrainAsync(queue, 2));
    }

    [Fact]
    public async Task Enqueue_FullOfCriticalNewCritical_DropsTheOldestCritical()
    {
        using var queue = new NotificationQueue(() => 2);
        queue.Enqueue(Message("critical-1", 8));
        queue.Enqueue(Message("critical-2", 8));

        queue.Enqueue(Message("critical-3", 10));

        Assert.Equal(1, queue.DroppedCount);
        Assert.Equal(["critical-2", "critical-3"], await DrainAsync(queue, 2));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task DequeueAsync_Empty_WaitsForTheNextOne()
    {
        using var queue = new NotificationQueue(() => 10);

        var pending = queue.DequeueAsync(CancellationToken.None);
        var completedBefore = pending.IsCompleted;
        queue.Enqueue(Message("later", 5));

        Assert.False(completedBefore);
        Assert.Equal("later", (await pending).Title);
    }

    private static Notification Message(string title, int priority) =>
        new(NotificationKind.IncidentOpened, title, "body", priority, title);

    private static async Task<List<string>> DrainAsync(NotificationQueue queue, int count)
    {
        var titles = new List<string>();
        for (var i = 0; i < count; i++)
        {
            titles.Add((await queue.DequeueAsync(CancellationToken.None)).Title);
        }

        return titles;
    }
}
