using System.Net.Sockets;
using Macha.Core.Storage;
using Macha.Web.Security;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Macha.Web.Hosting;

/// <summary>
/// Turns the start-up failures a person can fix (an invalid setting, a busy port, an unusable data
/// directory) into one clear message and exit code 1 instead of an unhandled exception.
/// </summary>
internal static class StartupFailures
{
    public const int ExitCode = 1;

    /// <summary>
    /// Returns whether the exception is a start-up failure to report in plain words. Only when Macha
    /// is the process itself: under WebApplicationFactory the entry point runs beside the test's own
    /// host, and handling the failure there would dispose the host the test is still using.
    /// </summary>
    public static bool IsReportable(Exception exception) =>
        MachaProcess.IsEntryPoint() && IsFixableByAPerson(exception);

    private static bool IsFixableByAPerson(Exception exception) => exception switch
    {
        OptionsValidationException or DataDirectoryInUseException or SqliteException => true,
        AccessNotConfiguredException or CredentialFileException => true,
        InvalidOperationException invalid => invalid.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal),
        IOException or UnauthorizedAccessException or SocketException or FormatException => true,
        _ => false,
    };

    public static async Task ReportAsync(Exception exception)
    {
        switch (exception)
        {
            case OptionsValidationException invalid:
                await Console.Error.WriteLineAsync("Macha cannot start because of invalid settings:");
                foreach (var failure in invalid.Failures)
                {
                    await Console.Error.WriteLineAsync("  " + failure);
                }

                break;

            // The binder's message names the value and the key, such as 'abc' at 'Macha:CheckInterval'.
            case InvalidOperationException conversion:
                await Console.Error.WriteLineAsync($"Macha cannot start: {conversion.Message} Set it to a valid value.");
                break;
            case SettingsFileNotFoundException missing:
                await Console.Error.WriteLineAsync(
                    $"Macha cannot start: {missing.Message} Point {MachaSettingsFile.EnvironmentVariable} at an existing JSON file, or unset it.");
                break;
            case AccessNotConfiguredException access:
                await Console.Error.WriteLineAsync($"Macha cannot start: {access.Message}");
                break;
            case CredentialFileException credentials:
                await Console.Error.WriteLineAsync($"Macha cannot start: {credentials.Message}");
                break;
            case DataDirectoryInUseException inUse:
                await Console.Error.WriteLineAsync($"Macha cannot start: {inUse.Message}");
                break;
            case SqliteException database:
                await Console.Error.WriteLineAsync(
                    $"Macha cannot start: its database cannot be used: {database.Message}. Check Macha:DataDirectory and the directory's permissions.");
                break;
            default:
                await Console.Error.WriteLineAsync(
                    $"Macha cannot start: {exception.Message} Check Macha:DataDirectory and Kestrel:Endpoints:Http:Url.");
                break;
        }
    }
}
