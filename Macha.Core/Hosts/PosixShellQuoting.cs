using System.Globalization;
using System.Text;

namespace Macha.Core.Hosts;

/// <summary>
/// Builds the command line an SSH server hands to the remote user's login shell (sh, bash, dash,
/// ash, zsh, csh or tcsh). Every word is single-quoted, so no character in it is special: inside
/// single quotes a POSIX shell expands nothing, and a single quote itself is written as
/// <c>'\''</c> (close the quote, an escaped quote, reopen).
/// </summary>
/// <remarks>NOTE: csh and tcsh reject a newline inside a quoted word, so such an argument fails there.</remarks>
public static class PosixShellQuoting
{
    /// <summary>Environment set for every remote command, so parsers see untranslated, uncoloured output.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> CommandEnvironment =
    [
        new("LC_ALL", "C"),
        new("LANG", "C"),
        new("SYSTEMD_COLORS", "0"),
        new("SYSTEMD_PAGER", ""),
        new("PAGER", "cat"),
    ];

    /// <summary>Returns <paramref name="word"/> as one single-quoted shell word that the shell passes on unchanged.</summary>
    /// <exception cref="ArgumentException">The word contains a NUL character, which no argv entry can hold.</exception>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A shell argument cannot contain a NUL character.", nameof(word));
        }

        // csh and tcsh expand "!" even inside single quotes, so it goes outside them as "\!". Every shell
        // reads that as a plain "!".
        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal).Replace("!", "'\\!'", StringComparison.Ordinal) + "'";
    }

    /// <summary>Extra time the remote side gives a command beyond its timeout, so Macha's own timeout fires first.</summary>
    public static readonly TimeSpan RemoteTimeoutGrace = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Builds <c>exec sh -c '…' sh 'LC_ALL=C' … 'program' 'arg' …</c>. The login shell only parses single
    /// quotes and runs <c>sh</c>, so users whose shell is zsh, csh or tcsh get the same argv. That
    /// <c>sh</c> runs <c>env</c>, which sets the locale and then replaces itself with the program, so
    /// the exit status and signals belong to the program.
    /// </summary>
    /// <remarks>
    /// Closing an SSH channel does not stop a command that runs without a terminal, so a command Macha
    /// gave up on would keep running on the host. The remote <c>timeout</c> (coreutils or BusyBox)
    /// sends it SIGTERM a little after Macha's own timeout, and SIGKILL 5 seconds later. A host
    /// without <c>timeout</c> runs the command without it.
    /// </remarks>
    public static string BuildCommandLine(CommandRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Program);

        if (request.Program.Contains('=', StringComparison.Ordinal))
        {
            // env would read such a word as another variable assignment instead of the program.
            throw new ArgumentException($"A remote program name cannot contain '=': {request.Program}", nameof(request));
        }

        // "--" ends env's own options, so what follows is only assignments, then the program.
        var seconds = ((long)Math.Ceiling((request.Timeout + RemoteTimeoutGrace).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var script = $"command -v timeout >/dev/null 2>&1 && exec timeout -k 5 {seconds} env -- \"$@\"; exec env -- \"$@\"";
        var line = new StringBuilder("exec sh -c ").Append(Quote(script)).Append(" sh");
        foreach (var (name, value) in CommandEnvironment)
        {
            line.Append(' ').Append(Quote(name + "=" + value));
        }

        line.Append(' ').Append(Quote(request.Program));
        foreach (var argument in request.Arguments)
        {
            line.Append(' ').Append(Quote(argument));
        }

        return line.ToString();
    }
}
