namespace Macha.Web.Hosting;

/// <summary>Facts about the process Macha runs in.</summary>
internal static class MachaProcess
{
    private const string ContentRootKey = "contentRoot";

    /// <summary>
    /// Returns whether Macha's own executable started this process. Under WebApplicationFactory the
    /// entry point runs inside the test host, which passes its own arguments and owns the host's lifetime.
    /// </summary>
    public static bool IsEntryPoint() =>
        System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "macha";

    /// <summary>
    /// Creates the web host's options with the program's own directory as the content root, where the
    /// build and publish put appsettings.json. The default, the current directory, has none when a
    /// published Macha starts elsewhere. A content root given on the command line or in the
    /// environment is kept, and under WebApplicationFactory the test host sets its own.
    /// </summary>
    public static WebApplicationOptions CreateWebOptions(string[] args) => new()
    {
        Args = args,
        ContentRootPath = IsEntryPoint() && !GivesContentRoot(args) ? AppContext.BaseDirectory : null,
    };

    /// <summary>Returns whether the host would read a content root from these arguments or the environment.</summary>
    internal static bool GivesContentRoot(string[] args)
    {
        // The places the web host reads its content root from: DOTNET_ and ASPNETCORE_ variables and the command line.
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build();
        return !string.IsNullOrEmpty(configuration[ContentRootKey]);
    }
}
