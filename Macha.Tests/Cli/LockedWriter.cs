using System.Text;

namespace Macha.Tests.Cli;

/// <summary>A text writer that a test can read while the CLI is still writing to it, as a follower does.</summary>
public sealed class LockedWriter : StringWriter
{
    private readonly Lock _lock = new();

    public override void Write(char value)
    {
        lock (_lock)
        {
            base.Write(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_lock)
        {
            base.Write(value);
        }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (_lock)
        {
            base.Write(buffer, index, count);
        }
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return base.ToString();
        }
    }

    public override Encoding Encoding => Encoding.UTF8;
}
