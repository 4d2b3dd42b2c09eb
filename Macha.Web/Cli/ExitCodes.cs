namespace Macha.Web.Cli;

/// <summary>The exit codes of every verb, as scripts should read them.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The request failed, the instance could not be reached, or the result is bad (a failed cycle, a broken audit chain).</summary>
    public const int Failure = 1;

    /// <summary>The command line is wrong: an unknown verb or option, or a missing or invalid argument.</summary>
    public const int Usage = 2;

    public const int NotFound = 3;

    /// <summary>The instance returned 401 or 403: no token, an invalid one, or one without the scope the verb needs.</summary>
    public const int Unauthorized = 4;
}

/// <summary>A verb failed in a way the person can act on; the message is printed as it is.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
