using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Macha.Tests.Fakes;

/// <summary>
/// The whole Macha web app on a temporary data directory. It monitors the machine the tests run on,
/// as the README's run command does, with a check interval long enough that only the start-up cycle
/// and the cycles a test requests run.
/// </summary>
public sealed class MachaWebFactory : WebApplicationFactory<Program>
{
    private readonly TestDataDirectory _data = new();

    public string DataDirectory => _data.Path;

    /// <summary>Extra settings, such as Macha:Knowledge:ChromaUrl; set them before the first request.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Macha:DataDirectory", _data.Path);
        builder.UseSetting("Macha:CheckInterval", "01:00:00");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _data.Dispose();
        }
    }
}
