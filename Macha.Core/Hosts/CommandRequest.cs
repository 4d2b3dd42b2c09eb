namespace Macha.Core.Hosts;

/// <summary>A program and its argv, with the limits it runs under.</summary>
/// <param name="Program">Executable name, looked up on PATH, or an absolute path.</param>
/// <param name="Arguments">Arguments passed one by one, never joined into a shell string.</param>
/// <param name="Timeout">Time after which the process tree is killed.</param>
/// <param name="MaxOutputBytes">Cap on captured standard output; standard error gets a quarter of it.</param>
public sealed record CommandRequest(
    string Program,
    IReadOnlyList<string> Arguments,
    TimeSpan Timeout,
    int MaxOutputBytes)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public const int DefaultMaxOutputBytes = 1024 * 1024;

    public static CommandRequest Create(string program, params string[] arguments) =>
        new(program, arguments, DefaultTimeout, DefaultMaxOutputBytes);

    public CommandRequest WithTimeout(TimeSpan timeout) => this with { Timeout = timeout };

    /// <summary>Replaces <see cref="DisplayText"/> where the argv would not tell a person what runs, as for a script.</summary>
    public string? Label { get; init; }

    /// <summary>The command as a person would type it, for status details and logs.</summary>
    public string DisplayText =>
        Label ?? (Arguments.Count == 0 ? Program : Program + " " + string.Join(' ', Arguments));
}
