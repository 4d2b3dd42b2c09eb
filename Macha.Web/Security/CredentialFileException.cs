namespace Macha.Web.Security;

/// <summary>
/// A users or tokens file that cannot be used. The message names the file and the line, and never
/// contains the line's text, because the text may hold a secret pasted into the wrong place.
/// </summary>
public sealed class CredentialFileException : Exception
{
    public CredentialFileException(string message)
        : base(message)
    {
    }

    public CredentialFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CredentialFileException()
    {
    }

    public static CredentialFileException AtLine(string kind, string path, int line, string problem) =>
        new($"Invalid line {line} of the {kind} file {path}: {problem}");
}
