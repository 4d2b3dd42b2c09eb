using Microsoft.Playwright;

namespace Macha.Tests.Browser;

/// <summary>
/// One headless Debian chromium for a test class, driven by Playwright. Nothing is downloaded: the
/// browser is the system's /usr/bin/chromium, which .ci/run installs.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    // The flags keep chromium from reaching any other host (updates, sync, QUIC probes) and let it
    // run as root in a container without a GPU.
    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = default!;

    /// <summary>Where screenshots go: the test output, not the repository.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing. Install Debian's chromium package (apt-get install chromium); .ci/run does.");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = Flags,
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>
/// Browser tests run alone, after the parallel ones: a browser and a whole app per test take much
/// memory and CPU, which would disturb tests that measure the process's heap or wait on timers.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection
{
    public const string Name = "Browser";
}
