using System.Globalization;

namespace Macha.Core.Hosts;

/// <summary>A file to read and the maximum number of bytes to read from it.</summary>
public sealed record FileReadRequest(string Path, int MaxBytes);

/// <summary>
/// Reads many files with one remote command instead of one command each. Over SSH every command is
/// a new session: the remote sshd forks and starts the user's login shell for it. That costs far
/// more than reading a small file under /proc, and a cycle reads more than a dozen of them.
/// </summary>
/// <remarks>
/// The command is <c>sh -c SCRIPT sh BOUNDARY MAX1 PATH1 MAX2 PATH2 …</c>, with every argument
/// quoted like any other. For each file the script prints the boundary on a line, the first MAX bytes
/// of the file, a newline, the boundary again with head's exit status, and on failure head's error
/// message. The boundary is random for each batch, so no file content can end a section early by
/// accident. It needs only a POSIX shell and head, which BusyBox has too.
/// </remarks>
public static class FileReadBatch
{
    // One line, because csh and tcsh reject a newline inside a quoted word of the command line.
    // A FIFO is skipped, since head would wait on it until the timeout and cost every file its read.
    // { e=$(...) } 3>&1: head's output goes straight to standard output through descriptor 3,
    // while its error message is captured, so each file's error stays with its own section.
    private const string Script =
        "b=$1; shift; while [ $# -ge 2 ]; do printf '%s\\n' \"$b\"; "
        + "if [ -p \"$2\" ]; then e=\"$2: is a FIFO, not read\"; s=1; "
        + "else { e=$(head -c \"$1\" -- \"$2\" 2>&1 >&3); s=$?; } 3>&1; fi; "
        + "printf '\\n%s %s\\n' \"$b\" \"$s\"; [ \"$s\" -eq 0 ] || printf '%s\\n' \"$e\"; shift 2; done";

    // The boundary lines and an error message per file, on top of the file's own cap.
    private const int OverheadBytesPerFile = 1024;

    /// <summary>Builds the command for <paramref name="files"/>, separated by <paramref name="boundary"/>.</summary>
    public static CommandRequest BuildRequest(IReadOnlyList<FileReadRequest> files, string boundary, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentException.ThrowIfNullOrWhiteSpace(boundary);

        var arguments = new List<string>(4 + (files.Count * 2)) { "-c", Script, "sh", boundary };
        long outputCap = 0;
        foreach (var file in files)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(file.Path);
            ArgumentOutOfRangeException.ThrowIfNegative(file.MaxBytes);
            arguments.Add(file.MaxBytes.ToString(CultureInfo.InvariantCulture));
            arguments.Add(file.Path);
            outputCap += file.MaxBytes + OverheadBytesPerFile;
        }

        return new CommandRequest("sh", arguments, timeout, (int)Math.Min(outputCap, int.MaxValue))
        {
            Label = $"head -c on {files.Count} files",
        };
    }

    /// <summary>
    /// Splits the command's output into one result per file, in request order. A file whose section
    /// is missing (the output was cut short) is reported as unread, with the reason.
    /// </summary>
    public static IReadOnlyList<FileReadResult> Parse(string output, string boundary, IReadOnlyList<FileReadRequest> files)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentException.ThrowIfNullOrWhiteSpace(boundary);
        ArgumentNullException.ThrowIfNull(files);

        var results = new List<FileReadResult>(files.Count);
        var start = boundary + "\n";
        var end = "\n" + boundary + " ";
        // A login shell that prints a banner puts it before the first section.
        var position = Math.Max(0, output.IndexOf(start, StringComparison.Ordinal));
        foreach (var file in files)
        {
            var section = ReadSection(output, start, end, ref position);
            results.Add(section ?? FileReadResult.Missing($"the output for {file.Path} was cut short"));
        }

        return results;
    }

    private static FileReadResult? ReadSection(string output, string start, string end, ref int position)
    {
        if (position + start.Length > output.Length || string.CompareOrdinal(output, position, start, 0, start.Length) != 0)
        {
            return null;
        }

        var contentStart = position + start.Length;
        var contentEnd = output.IndexOf(end, contentStart, StringComparison.Ordinal);
        if (contentEnd < 0)
        {
            return null;
        }

        var statusStart = contentEnd + end.Length;
        var statusEnd = output.IndexOf('\n', statusStart);
        if (statusEnd < 0 || !int.TryParse(output.AsSpan(statusStart, statusEnd - statusStart), NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            return null;
        }

        // Whatever follows the status line up to the next section is head's error message.
        var next = output.IndexOf(start, statusEnd + 1, StringComparison.Ordinal);
        var errorEnd = next < 0 ? output.Length : next;
        position = next < 0 ? output.Length : next;
        if (status == 0)
        {
            return new FileReadResult(true, output[contentStart..contentEnd]);
        }

        var error = output[(statusEnd + 1)..errorEnd].Trim();
        return FileReadResult.Missing(error.Length > 0 ? error : $"head exited with code {status}");
    }
}
