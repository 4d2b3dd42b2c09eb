namespace Macha.Web.Hosting;

/// <summary>Facts about the process Macha runs in.</summary>
internal static class MachaProcess
{
    /// <summary>
    /// Returns whether Macha's own executable started this process. Under WebApplicationFactory the
    /// entry point runs inside the test host, which passes its own arguments and owns the host's lifetime.
    /// </summary>
    public static bool IsEntryPoint() =>
        System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "macha";
}
