namespace Macha.Core.Storage;

/// <summary>
/// An exclusive lock on the data directory, held for the life of the process, so a second Macha
/// started on the same directory stops before it touches the database.
/// </summary>
/// <remarks>
/// On Linux, .NET implements <see cref="FileShare.None"/> with an advisory flock, which the kernel
/// releases when the process exits, so a crash never leaves a stale lock behind.
/// </remarks>
internal sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "macha.lock";

    private FileStream? _stream;

    public void Acquire(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        try
        {
            _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (File.Exists(path))
        {
            throw new DataDirectoryInUseException(
                $"another Macha process is using the data directory {dataDirectory} ({ex.Message}). Stop it, or set Macha:DataDirectory to another directory.",
                ex);
        }
    }

    public void Dispose() => _stream?.Dispose();
}

/// <summary>Another process holds the data directory's lock.</summary>
public sealed class DataDirectoryInUseException(string message, Exception innerException) : Exception(message, innerException);
