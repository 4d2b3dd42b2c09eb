using System.Diagnostics;

namespace Macha.Tests.Hosting;

/// <summary>Starts the real macha program from the test's output directory, on a free loopback port.</summary>
internal static class MachaProcess
{
    public static ProcessStartInfo StartInfo(string dataDirectory, params string[] extraArguments)
    {
        var program = Path.Combine(AppContext.BaseDirectory, "macha.dll");
        var start = new ProcessStartInfo("dotnet", [program, "--Kestrel:Endpoints:Http:Url=http://127.0.0.1:0", .. extraArguments])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["Macha__DataDirectory"] = dataDirectory;
        // The test runner's own systemd or notify settings must not leak into the child.
        start.Environment.Remove("NOTIFY_SOCKET");
        start.Environment.Remove("LISTEN_PID");
        start.Environment.Remove("MACHA_SETTINGS_FILE");
        return start;
    }
}
