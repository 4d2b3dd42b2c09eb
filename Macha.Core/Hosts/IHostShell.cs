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
    async Task<IReadOnlyList<FileReadResult>> ReadFilesAsync(IReadOnlyList<FileReadRequest> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var results = new List<FileReadResult>(files.Count);
        foreach (var file in files)
        {
            results.Add(await ReadFileAsync(file.Path, file.MaxBytes, cancellationToken));
        }

        return results;
    }
}
