namespace Macha.Core.Hosts;

/// <summary>
/// Runs commands and reads files on one host. The local process runner and the SSH runner both
/// implement it, so collectors work unchanged over either.
/// </summary>
/// <remarks>
/// Implementations never throw for a command that fails, times out or is missing: the outcome is in
/// <see cref="CommandResult.Status"/>. They throw only when the caller's cancellation token is
/// cancelled by the caller.
/// </remarks>
public interface IHostShell
{
    /// <summary>Name of the host in the inventory, used in findings and logs.</summary>
    string HostName { get; }

    /// <summary>
    /// Runs <see cref="CommandRequest.Program"/> with its arguments passed as argv (never through a
    /// shell), with <c>LC_ALL=C</c>, the request's timeout and output cap.
    /// </summary>
    Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellationToken = default);

    /// <summary>Reads at most <paramref name="maxBytes"/> bytes of a file, such as one under /proc.</summary>
    Task<FileReadResult> ReadFileAsync(string path, int maxBytes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads several files, returning one result per request in the same order. A remote shell reads
    /// them all with one command; this default reads them one by one.
    /// </summary>
    /// <param name="timeout">
    /// Limit on the whole batch. A file not read by then is returned as unread with the reason, and
    /// the files read before it keep their content.
    /// </param>
    Task<IReadOnlyList<FileReadResult>> ReadFilesAsync(IReadOnlyList<FileReadRequest> files, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ReadOneByOneAsync(this, files, timeout, TimeProvider.System, cancellationToken);

    /// <summary>Reads <paramref name="files"/> with <see cref="ReadFileAsync"/>, abandoning whatever is still unread at the deadline.</summary>
    internal static async Task<IReadOnlyList<FileReadResult>> ReadOneByOneAsync(
        IHostShell shell, IReadOnlyList<FileReadRequest> files, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);

        using var deadline = new CancellationTokenSource(timeout, timeProvider);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var results = new List<FileReadResult>(files.Count);
        foreach (var file in files)
        {
            try
            {
                // WaitAsync abandons a read that ignores its token, such as one stuck in the kernel
                // on a FIFO without a writer or a dead network mount.
                results.Add(await shell.ReadFileAsync(file.Path, file.MaxBytes, limit.Token).WaitAsync(limit.Token));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                results.Add(FileReadResult.Missing($"{file.Path} was not read within {timeout.TotalSeconds:0.###} s"));
            }
        }

        return results;
    }
}
