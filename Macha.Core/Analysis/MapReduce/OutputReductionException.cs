namespace Macha.Core.Analysis.MapReduce;

/// <summary>
/// A cached output could not be reduced: it is missing or expired, it needs more model calls than
/// allowed, or the context window is too small for any data.
/// </summary>
public sealed class OutputReductionException : Exception
{
    public OutputReductionException()
    {
    }

    public OutputReductionException(string message)
        : base(message)
    {
    }

    public OutputReductionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
