using System.CommandLine;
using System.Text.Json;

namespace Macha.Web.Cli.Verbs;

/// <summary><c>hosts</c>: list and show the managed hosts, add one, confirm a discovered host or a presented key.</summary>
internal static class HostsVerb
{
    public static Command Create(string name, CliContext context)
    {
        var command = new Command(name, "List the hosts Macha manages, add a host, or confirm a discovered host or the key a host presented.");
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateShow(context));
        command.Subcommands.Add(CreateAdd(context));
        command.Subcommands.Add(CreateConfirm(context));
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var command = new Command("list", "List every host with its status, last contact, trust state and pinned key.");
        command.SetAction(context.Run(async (_, client, output, cancellationToken) =>
        {
            var hosts = await client.GetAsync("api/hosts", cancellationToken);
            if (output.Json)
            {
                output.WriteJson(hosts);
                return ExitCodes.Success;
            }

            output.WriteTable(
                ["NAME", "STATUS", "TRUST", "LAST CONTACT", "OS", "ADDRESS", "PINNED KEY"],
                hosts.Items().Select(h => (IReadOnlyList<string>)[
                    h.Text("name"),
                    DescribeStatus(h),
                    h.Text("trustState"),
                    h.Time("lastContactAt") is { Length: > 0 } contact ? contact : "never",
                    DescribeOs(h),
                    DescribeAddress(h),
                    FirstPinnedKey(h)]));
            if (hosts.Items().Any(h => h.Text("needsConfirmation") == "true"))
            {
                output.WriteLine();
                output.WriteLine($"Hosts waiting for confirmation: {string.Join(", ", hosts.Items().Where(h => h.Text("needsConfirmation") == "true").Select(h => h.Text("name")))}. "
                    + $"Check each key, then run '{MachaCli.ProgramName} hosts confirm NAME --fingerprint SHA256:...'.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The host's name, as 'hosts list' prints it." };
        var command = new Command("show", "Show one host: where Macha reaches it, its keys, status and operating system.");
        command.Arguments.Add(name);
        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var host = await client.GetAsync($"api/hosts/{Uri.EscapeDataString(parsed.GetValue(name)!)}", cancellationToken);
            if (output.Json)
            {
                output.WriteJson(host);
            }
            else
            {
                WriteHost(output, host);
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateAdd(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The name the host appears under in findings, incidents and the dashboard." };
        var address = new Option<string>("--address") { Description = "DNS name or IP address to connect to; default: the name." };
        var port = CreatePortOption("SSH port, 1 to 65535; default 22.");
        var user = new Option<string>("--user", "-u") { Description = "Login user; default: Macha:Hosts:DefaultUser." };
        var keyFile = new Option<string>("--key-file", "-i") { Description = "Absolute path of the private key offered to this host; default: Macha:Hosts:DefaultPrivateKeyFile." };
        var fingerprints = new Option<string[]>("--fingerprint") { Description = "An accepted host-key fingerprint as 'ssh-keygen -lf' prints it (SHA256:...); repeat for several." };
        var tags = new Option<string[]>("--tag") { Description = "A tag; repeat the option for several." };
        var autonomy = new Option<string>("--autonomy") { Description = "Autonomy level for actions on this host: Observe, Suggest, AutoSafe or AutoFull; default: the global level." };
        var command = new Command("add", "Add a remote host that Macha reaches over SSH; it is visited from the next health cycle on.");
        command.Arguments.Add(name);
        foreach (var option in new Option[] { address, port, user, keyFile, fingerprints, tags, autonomy })
        {
            command.Options.Add(option);
        }

        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var body = new
            {
                name = parsed.GetValue(name),
                address = parsed.GetValue(address),
                port = parsed.GetValue(port),
                user = parsed.GetValue(user),
                privateKeyFile = parsed.GetValue(keyFile) is { Length: > 0 } path ? Path.GetFullPath(path) : null,
                hostKeyFingerprints = parsed.GetValue(fingerprints) ?? [],
                tags = parsed.GetValue(tags) ?? [],
                autonomyLevel = parsed.GetValue(autonomy),
            };
            var host = await client.PostAsync("api/hosts", body, cancellationToken);
            if (output.Json)
            {
                output.WriteJson(host);
                return ExitCodes.Success;
            }

            output.WriteLine($"Added host {host.Text("name")} at {DescribeAddress(host)} ({host.Text("trustState")}).");
            if (host.Text("trustState") == "Unpinned")
            {
                output.WriteLine($"No host key is pinned. Unless trust on first use is on, the first connection is rejected; then check the key it presented with '{MachaCli.ProgramName} hosts show {host.Text("name")}' and confirm it.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command CreateConfirm(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "The host to confirm." };
        var fingerprint = new Option<string>("--fingerprint") { Description = "The key to pin, as 'ssh-keygen -lf' prints it on the host (SHA256:...). Required when the host's key changed or was rejected." };
        var address = new Option<string>("--address") { Description = "DNS name or IP address to connect to; only for a discovered host or one that has not presented a key. Default: the address it was discovered with, its name." };
        var port = CreatePortOption("SSH port, 1 to 65535; only for a discovered host or one that has not presented a key. Default: 22.");
        var user = new Option<string>("--user", "-u") { Description = "Login user; only for a discovered host or one that has not presented a key. Default: Macha:Hosts:DefaultUser." };
        var keyFile = new Option<string>("--key-file", "-i") { Description = "Path of an existing private key offered to this host only; only for a discovered host or one that has not presented a key. Default: Macha:Hosts:DefaultPrivateKeyFile." };
        var command = new Command("confirm", "Confirm a discovered host so Macha visits it, or pin the key a host presented.");
        command.Arguments.Add(name);
        foreach (var option in new Option[] { fingerprint, address, port, user, keyFile })
        {
            command.Options.Add(option);
        }

        command.SetAction(context.Run(async (parsed, client, output, cancellationToken) =>
        {
            var path = $"api/hosts/{Uri.EscapeDataString(parsed.GetValue(name)!)}/confirm";
            var body = new
            {
                fingerprint = parsed.GetValue(fingerprint),
                address = parsed.GetValue(address),
                port = parsed.GetValue(port),
                user = parsed.GetValue(user),
                // A relative path is resolved against the current directory, as in 'hosts add'.
                privateKeyFile = parsed.GetValue(keyFile) is { Length: > 0 } file ? Path.GetFullPath(file) : null,
            };
            var host = await client.PostAsync(path, body, cancellationToken);
            if (output.Json)
            {
                output.WriteJson(host);
            }
            else
            {
                var key = FirstPinnedKey(host);
                output.WriteLine($"Confirmed host {host.Text("name")} at {DescribeAddress(host)} ({host.Text("trustState")}){(key.Length > 0 ? $", pinned key {key}" : string.Empty)}.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    // The default parser of int? reports "expected type 'System.Nullable`1[System.Int32]'" for a bad value.
    // A whole number out of range goes to the server, whose validator names the range too.
    private static Option<int?> CreatePortOption(string description) => new("--port", "-p")
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
            if (int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var port))
            {
                return port;
            }

            result.AddError($"--port must be a whole number from 1 to 65535; got '{text}'.");
            return null;
        },
    };

    private static void WriteHost(CliOutput output, JsonElement host)
    {
        (string Name, string? Value)[] fields =
        [
            ("Name", host.Text("name")),
            ("Source", host.Text("source")),
            ("Trust", host.Text("trustState") + (host.Text("needsConfirmation") == "true" ? " (waiting for confirmation)" : string.Empty)),
            ("Status", DescribeStatus(host)),
            ("Detail", host.Text("statusDetail")),
            ("Address", DescribeAddress(host)),
            ("User", host.Text("user")),
            ("Key file", host.Text("privateKeyFile")),
            ("Pinned keys", host.Text("pinnedKeys")),
            ("Pinned at", host.Time("keysPinnedAt")),
            ("Presented key", host.Text("presentedKey")),
            ("Last contact", host.Time("lastContactAt") is { Length: > 0 } contact ? contact : "never"),
            ("Last checked", host.Time("lastCheckedAt")),
            ("OS", DescribeOs(host)),
            ("Tags", host.Text("tags")),
            ("Autonomy", host.Text("autonomyLevel") is { Length: > 0 } level ? level : "global level"),
            ("Added", host.Time("addedAt")),
            ("Confirmed", host.Text("confirmedBy") is { Length: > 0 } by ? $"{host.Time("confirmedAt")} by {by}" : string.Empty),
            ("Read-only", host.Text("readOnly") == "true" ? "yes (this machine, or from the configuration)" : "no"),
        ];

        // Fields the host does not have yet, such as a presented key before the first connection, are left out.
        output.WriteFields(fields.Where(field => !string.IsNullOrEmpty(field.Value)));
    }

    private static string DescribeStatus(JsonElement host) =>
        host.Text("failure") is { Length: > 0 } failure ? $"{host.Text("status")} ({failure})" : host.Text("status");

    private static string DescribeAddress(JsonElement host) =>
        host.Text("source") == "Local" ? "this machine" : $"{host.Text("user")}@{host.Text("address")}:{host.Text("port")}";

    private static string DescribeOs(JsonElement host)
    {
        if (!host.TryGetProperty("os", out var os) || os.ValueKind != JsonValueKind.Object)
        {
            return string.Empty;
        }

        return os.Text("name") is { Length: > 0 } name ? $"{name} {os.Text("version")}".Trim() : os.Text("family");
    }

    private static string FirstPinnedKey(JsonElement host) =>
        host.TryGetProperty("pinnedKeys", out var keys) && keys.ValueKind == JsonValueKind.Array && keys.GetArrayLength() > 0
            ? keys[0].GetString() ?? string.Empty
            : string.Empty;
}
