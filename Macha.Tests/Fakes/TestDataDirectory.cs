namespace Macha.Tests.Fakes;

/// <summary>A fresh data directory under the system temp directory, deleted on dispose.</summary>
internal sealed class TestDataDirectory : IDisposable
{
    public TestDataDirectory()
    {
        Path = Directory.CreateTempSubdirectory("macha-test-").FullName;
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // SQLite may still hold the file for a moment after the last connection closes.
        }
    }
}
