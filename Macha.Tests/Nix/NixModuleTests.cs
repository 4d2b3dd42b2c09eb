using System.Globalization;
using System.Text.Json;
using Macha.Core.Hosts;

namespace Macha.Tests.Nix;

/// <summary>
/// Evaluates module.nix against the stand-in lib and pkgs in TestData/nix and checks the unit,
/// the configuration file, the user and the sudo rules it produces.
/// </summary>
public sealed class NixModuleTests
{
    private const string Minimal = "{ services.macha-autonomous.enable = true; }";

    private const string Full = """
        {
          services.macha-autonomous = {
            enable = true;
            autonomyLevel = "auto-safe";
            checkInterval = 90;
            model = "llama3.1:8b";
            ollamaUrl = "http://127.0.0.1:11434";
            embeddingModel = "mxbai-embed-large";
            chromadb.enableLocal = true;
            gotify = { url = "https://gotify.example.org"; tokenFile = "/run/secrets/gotify-token"; };
            publicUrl = "https://macha.example.org";
            listenAddress = "::";
            port = 8080;
            openFirewall = true;
            protectedServices = [ "postgresql" "backup-*" ];
            rateLimits = { restartsPerUnit = 1; restartWindow = 7200; automaticActionsPerHour = 5; };
            authentication = {
              users.admin.passwordHashFile = "/run/secrets/admin-password-hash";
              apiTokensFile = "/run/secrets/api-tokens";
            };
            cli.tokenFile = "/run/secrets/cli-token";
            configRepo = { url = "https://git.example.org/nixos.git"; branch = "production"; username = "macha"; credentialsFile = "/run/secrets/git-credentials"; };
            retention = { days = 30; snapshotFiles = 100; };
            rebuild = { flake = "/etc/nixos#web-1"; allowRollback = true; };
            memoryMax = "512M";
            settings = {
              Macha.Detection.DiskUsedWarningPercent = 80;
              Macha.Monitoring.DnsNames = [ "example.org" ];
              Serilog.MinimumLevel.Override."Microsoft.AspNetCore" = "Warning";
            };
          };
        }
        """;

    private const string MultiHost = """
        {
          services.macha-autonomous = {
            enable = true;
            hosts = {
              web-1 = { address = "web-1.example.org"; keyFile = "/run/secrets/ssh-key"; hostKeys = [ "SHA256:abc" ]; tags = [ "web" ]; };
              db-1 = { address = "192.0.2.20"; port = 2222; user = "ops"; keyFile = "/run/secrets/db-key"; autonomyLevel = "observe"; };
              edge = { address = "2001:db8::1"; };
            };
            hostDefaults.keyFile = "/run/secrets/default-key";
          };
        }
        """;

    private static readonly string[] SecretPaths =
    [
        "/run/secrets/gotify-token", "/run/secrets/admin-password-hash", "/run/secrets/api-tokens",
        "/run/secrets/git-credentials", "/run/secrets/ssh-key", "/run/secrets/db-key", "/run/secrets/default-key",
    ];

    private const string Discovery = """
        {
          services.macha-autonomous = {
            enable = true;
            trustOnFirstUse = true;
            hostDefaults = { user = "ops"; keyFile = "/run/secrets/default-key"; };
            hosts.web-1.address = "web-1.example.org";
            discovery = {
              journalDirectory = "/var/log/journal/remote";
              flake = "/etc/nixos";
              interval = 600;
              commandTimeout = 30;
            };
          };
        }
        """;

    [Fact]
    public async Task Minimal_Unit_IsNotifyServiceOfItsOwnUser()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Minimal);
        var service = Service(result);

        Assert.Equal("notify", service.GetProperty("Type").GetString());
        Assert.Equal("macha", service.GetProperty("User").GetString());
        Assert.Equal("macha", service.GetProperty("Group").GetString());
        Assert.Equal(["systemd-journal"], Strings(service.GetProperty("SupplementaryGroups")));
        Assert.Equal("macha-autonomous", service.GetProperty("StateDirectory").GetString());
        Assert.Equal("0700", service.GetProperty("StateDirectoryMode").GetString());
        Assert.EndsWith("/macha-autonomous/bin/macha", service.GetProperty("ExecStart").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("/macha-autonomous/lib/macha-autonomous", service.GetProperty("WorkingDirectory").GetString(), StringComparison.Ordinal);
        Assert.Empty(service.GetProperty("LoadCredential").EnumerateArray());
    }

    [Fact]
    public async Task Minimal_Unit_IsNotRestartedByActivation()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Minimal);

        Assert.False(Unit(result).GetProperty("restartIfChanged").GetBoolean());
    }

    [Fact]
    public async Task Minimal_User_IsSystemUserWithGroup()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Minimal);
        var users = result.GetProperty("config").GetProperty("users");

        Assert.True(users.GetProperty("users").GetProperty("macha").GetProperty("isSystemUser").GetBoolean());
        Assert.Equal("macha", users.GetProperty("users").GetProperty("macha").GetProperty("group").GetString());
        Assert.True(users.GetProperty("groups").TryGetProperty("macha", out _));
    }

    [Fact]
    public async Task Minimal_Hardening_HasTheSandboxSettings()
    {
        var service = Service(await NixEvaluator.EvaluateModuleAsync(Minimal));

        Assert.Equal("strict", service.GetProperty("ProtectSystem").GetString());
        Assert.Equal("read-only", service.GetProperty("ProtectHome").GetString());
        Assert.Equal("0077", service.GetProperty("UMask").GetString());
        Assert.Equal("1G", service.GetProperty("MemoryMax").GetString());
        Assert.Equal("native", service.GetProperty("SystemCallArchitectures").GetString());
        Assert.Equal(["AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"], Strings(service.GetProperty("RestrictAddressFamilies")));
        Assert.Contains("@system-service", Strings(service.GetProperty("SystemCallFilter")));
        foreach (var setting in (string[])["PrivateTmp", "PrivateDevices", "PrivateMounts", "ProtectKernelTunables", "ProtectKernelModules",
            "ProtectKernelLogs", "ProtectControlGroups", "ProtectClock", "ProtectHostname", "RestrictNamespaces", "RestrictRealtime",
            "RestrictSUIDSGID", "LockPersonality", "RemoveIPC"])
        {
            Assert.True(service.GetProperty(setting).GetBoolean(), $"{setting} should be true");
        }
    }

    [Fact]
    public async Task Minimal_DefaultAutonomy_AllowsSudoWithThreeCapabilities()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Minimal);
        var service = Service(result);

        Assert.False(service.GetProperty("NoNewPrivileges").GetBoolean());
        Assert.Equal(["CAP_SETUID", "CAP_SETGID", "CAP_AUDIT_WRITE"], Strings(service.GetProperty("CapabilityBoundingSet")));
        Assert.DoesNotContain("~@privileged", Strings(service.GetProperty("SystemCallFilter")));
        Assert.Contains("-/var/log/journal", Strings(service.GetProperty("ReadWritePaths")));
        Assert.Contains("/run/wrappers", Strings(Unit(result).GetProperty("path")));
        Assert.StartsWith("macha ALL=(root) NOPASSWD: ", result.GetProperty("sudoers").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Observe_NoPrivilegedActions_DropsSudoAndEveryCapability()
    {
        var result = await NixEvaluator.EvaluateModuleAsync("{ services.macha-autonomous = { enable = true; autonomyLevel = \"observe\"; }; }");
        var service = Service(result);

        Assert.True(service.GetProperty("NoNewPrivileges").GetBoolean());
        Assert.Equal([""], Strings(service.GetProperty("CapabilityBoundingSet")));
        Assert.Contains("~@privileged", Strings(service.GetProperty("SystemCallFilter")));
        Assert.DoesNotContain("-/var/log/journal", Strings(service.GetProperty("ReadWritePaths")));
        Assert.Equal(string.Empty, result.GetProperty("sudoers").GetString());
    }

    [Fact]
    public async Task Minimal_Settings_HaveTheDefaultsAsAppKeys()
    {
        var settings = (await NixEvaluator.EvaluateModuleAsync(Minimal)).GetProperty("settings");
        var macha = settings.GetProperty("Macha");

        Assert.Equal("http://127.0.0.1:5380", settings.GetProperty("Kestrel").GetProperty("Endpoints").GetProperty("Http").GetProperty("Url").GetString());
        Assert.Equal("/var/lib/macha-autonomous", macha.GetProperty("DataDirectory").GetString());
        Assert.Equal("00:05:00", macha.GetProperty("CheckInterval").GetString());
        Assert.Equal("7.00:00:00", macha.GetProperty("RetentionAge").GetString());
        Assert.Equal(2016, macha.GetProperty("SnapshotFilesMaxCount").GetInt32());
        Assert.Equal("Suggest", macha.GetProperty("Actions").GetProperty("AutonomyLevel").GetString());
        Assert.Equal("01:00:00", macha.GetProperty("Actions").GetProperty("RestartWindow").GetString());
        Assert.False(macha.GetProperty("Analysis").GetProperty("Enabled").GetBoolean());
        Assert.False(macha.TryGetProperty("Notifications", out _));
    }

    [Fact]
    public async Task Minimal_Environment_SettingsFileAndNoTiering()
    {
        var unit = Unit(await NixEvaluator.EvaluateModuleAsync(Minimal));

        var environment = unit.GetProperty("environment").EnumerateObject().Select(variable => variable.Name).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["DOTNET_TieredCompilation", "MACHA_SETTINGS_FILE"], environment);
        Assert.Equal("0", unit.GetProperty("environment").GetProperty("DOTNET_TieredCompilation").GetString());
        Assert.EndsWith("/macha-appsettings.json", unit.GetProperty("environment").GetProperty("MACHA_SETTINGS_FILE").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Full_Secrets_ReachTheUnitOnlyAsCredentials()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Full);
        var service = Service(result);

        Assert.Equal(
            [
                "api-tokens:/run/secrets/api-tokens",
                "config-repo-credentials:/run/secrets/git-credentials",
                "gotify-token:/run/secrets/gotify-token",
                "user-admin-password-hash:/run/secrets/admin-password-hash",
            ],
            Strings(service.GetProperty("LoadCredential")).Order(StringComparer.Ordinal));
        var environment = Unit(result).GetProperty("environment").GetRawText();
        var settings = result.GetProperty("settings").GetRawText();
        foreach (var secret in SecretPaths)
        {
            Assert.DoesNotContain(secret, environment, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, settings, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Full_Settings_PointAtCredentialPaths()
    {
        var macha = (await NixEvaluator.EvaluateModuleAsync(Full)).GetProperty("settings").GetProperty("Macha");
        const string Credentials = "/run/credentials/macha-autonomous.service/";

        Assert.Equal(Credentials + "gotify-token", macha.GetProperty("Notifications").GetProperty("Gotify").GetProperty("TokenFile").GetString());
        Assert.Equal("https://gotify.example.org", macha.GetProperty("Notifications").GetProperty("Gotify").GetProperty("Url").GetString());
        Assert.Equal(Credentials + "api-tokens", macha.GetProperty("Authentication").GetProperty("TokensFile").GetString());
        Assert.Equal("/run/macha-autonomous/users", macha.GetProperty("Authentication").GetProperty("UsersFile").GetString());
        Assert.Equal(
            Credentials + "config-repo-credentials",
            macha.GetProperty("Knowledge").GetProperty("ConfigRepository").GetProperty("CredentialsFile").GetString());
    }

    [Fact]
    public async Task Full_Settings_MapEveryOptionToItsKey()
    {
        var settings = (await NixEvaluator.EvaluateModuleAsync(Full)).GetProperty("settings");
        var macha = settings.GetProperty("Macha");
        var actions = macha.GetProperty("Actions");
        var knowledge = macha.GetProperty("Knowledge");

        Assert.Equal("http://[::]:8080", settings.GetProperty("Kestrel").GetProperty("Endpoints").GetProperty("Http").GetProperty("Url").GetString());
        Assert.Equal("00:01:30", macha.GetProperty("CheckInterval").GetString());
        Assert.Equal("30.00:00:00", macha.GetProperty("RetentionAge").GetString());
        Assert.Equal(100, macha.GetProperty("SnapshotFilesMaxCount").GetInt32());
        Assert.Equal("https://macha.example.org", macha.GetProperty("PublicUrl").GetString());
        Assert.Equal("AutoSafe", actions.GetProperty("AutonomyLevel").GetString());
        Assert.Equal(["postgresql", "backup-*"], Strings(actions.GetProperty("ProtectedUnits")));
        Assert.Equal(1, actions.GetProperty("RestartLimitPerUnit").GetInt32());
        Assert.Equal("02:00:00", actions.GetProperty("RestartWindow").GetString());
        Assert.Equal(5, actions.GetProperty("MaxAutomaticActionsPerHour").GetInt32());
        Assert.True(macha.GetProperty("Analysis").GetProperty("Enabled").GetBoolean());
        Assert.Equal("http://127.0.0.1:11434", macha.GetProperty("Analysis").GetProperty("OllamaUrl").GetString());
        Assert.Equal("llama3.1:8b", macha.GetProperty("Analysis").GetProperty("Model").GetString());
        Assert.Equal("mxbai-embed-large", knowledge.GetProperty("EmbeddingModel").GetString());
        Assert.Equal("http://127.0.0.1:8000", knowledge.GetProperty("ChromaUrl").GetString());
        Assert.Equal("https://git.example.org/nixos.git", knowledge.GetProperty("ConfigRepository").GetProperty("Url").GetString());
        Assert.Equal("production", knowledge.GetProperty("ConfigRepository").GetProperty("Branch").GetString());
        Assert.Equal("macha", knowledge.GetProperty("ConfigRepository").GetProperty("Username").GetString());
    }

    [Fact]
    public async Task Full_FreeFormSettings_MergeOverGeneratedKeys()
    {
        var settings = (await NixEvaluator.EvaluateModuleAsync(Full)).GetProperty("settings");
        var macha = settings.GetProperty("Macha");

        Assert.Equal(80, macha.GetProperty("Detection").GetProperty("DiskUsedWarningPercent").GetInt32());
        Assert.Equal(["example.org"], Strings(macha.GetProperty("Monitoring").GetProperty("DnsNames")));
        Assert.Equal("Warning", settings.GetProperty("Serilog").GetProperty("MinimumLevel").GetProperty("Override").GetProperty("Microsoft.AspNetCore").GetString());
        Assert.Equal("AutoSafe", macha.GetProperty("Actions").GetProperty("AutonomyLevel").GetString());
    }

    [Fact]
    public async Task Settings_OverrideOfGeneratedKey_Wins()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(
            "{ services.macha-autonomous = { enable = true; checkInterval = 60; settings.Macha.CheckInterval = \"00:02:00\"; }; }");

        Assert.Equal("00:02:00", result.GetProperty("settings").GetProperty("Macha").GetProperty("CheckInterval").GetString());
        Assert.Equal("/var/lib/macha-autonomous", result.GetProperty("settings").GetProperty("Macha").GetProperty("DataDirectory").GetString());
    }

    [Fact]
    public async Task Full_Services_OpenFirewallAndRunLocalChromaDb()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Full);
        var config = result.GetProperty("config");

        Assert.Equal([8080], config.GetProperty("networking").GetProperty("firewall").GetProperty("allowedTCPPorts").EnumerateArray().Select(port => port.GetInt32()));
        Assert.True(config.GetProperty("services").GetProperty("chromadb").GetProperty("enable").GetBoolean());
        Assert.Contains("chromadb.service", Strings(Unit(result).GetProperty("after")));
        Assert.Equal("512M", Service(result).GetProperty("MemoryMax").GetString());
    }

    [Fact]
    public async Task Full_Rebuild_AddsNixosRebuildRulesAndPaths()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Full);
        var sudoers = result.GetProperty("sudoers").GetString()!;

        Assert.Contains("/nixos-rebuild/bin/nixos-rebuild ^(test|switch) --flake /etc/nixos\\#web-1$", sudoers, StringComparison.Ordinal);
        Assert.Contains("/nixos-rebuild/bin/nixos-rebuild ^switch --rollback$", sudoers, StringComparison.Ordinal);
        // The pipeline re-activates the current system with this after a failed `nixos-rebuild test`.
        Assert.Contains("/nix/var/nix/profiles/system/bin/switch-to-configuration ^test$", sudoers, StringComparison.Ordinal);
        Assert.Contains(Strings(Unit(result).GetProperty("path")), entry => entry.EndsWith("/nixos-rebuild", StringComparison.Ordinal));
        Assert.Contains("-/root/.cache/nix", Strings(Service(result).GetProperty("ReadWritePaths")));
    }

    [Fact]
    public async Task Full_CliWrappers_CallTheVerbsWithTheTokenFile()
    {
        var packages = (await NixEvaluator.EvaluateModuleAsync(Full)).GetProperty("packages").EnumerateArray().ToList();

        Assert.Equal(["macha-check", "macha-approve", "macha-logs"], packages.Select(package => package.GetProperty("name").GetString()));
        foreach (var (package, verb) in packages.Zip((string[])["check", "approve", "logs"]))
        {
            var script = package.GetProperty("text").GetString()!;
            Assert.Contains($"export MACHA_CLI_NAME=macha-{verb}\n", script, StringComparison.Ordinal);
            Assert.Contains("MACHA_URL=\"${MACHA_URL:-http://[::1]:8080}\"", script, StringComparison.Ordinal);
            Assert.Contains("MACHA_TOKEN_FILE=\"${MACHA_TOKEN_FILE:-/run/secrets/cli-token}\"", script, StringComparison.Ordinal);
            Assert.Contains($"/macha-autonomous/bin/macha {verb} \"$@\"", script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Minimal_CliWrappers_SendNoToken()
    {
        var packages = (await NixEvaluator.EvaluateModuleAsync(Minimal)).GetProperty("packages").EnumerateArray();

        Assert.All(packages, package => Assert.DoesNotContain("MACHA_TOKEN_FILE", package.GetProperty("text").GetString(), StringComparison.Ordinal));
        Assert.All(packages, package => Assert.Contains("http://127.0.0.1:5380", package.GetProperty("text").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task MultiHost_Settings_HaveEveryHost()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(MultiHost);
        var hosts = result.GetProperty("settings").GetProperty("Macha").GetProperty("Hosts").GetProperty("Remote")
            .EnumerateArray().ToDictionary(host => host.GetProperty("Name").GetString()!);

        Assert.Equal(["db-1", "edge", "web-1"], hosts.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("web-1.example.org", hosts["web-1"].GetProperty("Address").GetString());
        Assert.Equal(22, hosts["web-1"].GetProperty("Port").GetInt32());
        Assert.Equal("macha", hosts["web-1"].GetProperty("User").GetString());
        Assert.Equal(["SHA256:abc"], Strings(hosts["web-1"].GetProperty("HostKeyFingerprints")));
        Assert.Equal(["web"], Strings(hosts["web-1"].GetProperty("Tags")));
        Assert.Equal(2222, hosts["db-1"].GetProperty("Port").GetInt32());
        Assert.Equal("ops", hosts["db-1"].GetProperty("User").GetString());
        Assert.Equal("Observe", hosts["db-1"].GetProperty("AutonomyLevel").GetString());
        Assert.False(hosts["web-1"].TryGetProperty("AutonomyLevel", out _));
        Assert.False(hosts["edge"].TryGetProperty("PrivateKeyFile", out _));
        Assert.Equal("2001:db8::1", hosts["edge"].GetProperty("Address").GetString());
        Assert.Equal("/run/credentials/macha-autonomous.service/host-db-1-key", hosts["db-1"].GetProperty("PrivateKeyFile").GetString());
    }

    [Fact]
    public async Task MultiHost_KeyFiles_AreCredentialsOnly()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(MultiHost);

        Assert.Equal(
            ["host-db-1-key:/run/secrets/db-key", "host-web-1-key:/run/secrets/ssh-key", "hosts-default-key:/run/secrets/default-key"],
            Strings(Service(result).GetProperty("LoadCredential")).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("/run/secrets/", result.GetProperty("settings").GetRawText(), StringComparison.Ordinal);
        Assert.Empty(result.GetProperty("failedAssertions").EnumerateArray());
    }

    [Fact]
    public async Task Minimal_HostSettings_MatchTheServiceDefaults()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Minimal);
        var hosts = result.GetProperty("settings").GetProperty("Macha").GetProperty("Hosts");
        var discovery = hosts.GetProperty("Discovery");
        var defaults = new HostsOptions();

        Assert.False(hosts.GetProperty("TrustOnFirstUse").GetBoolean());
        Assert.Equal(defaults.TrustOnFirstUse, hosts.GetProperty("TrustOnFirstUse").GetBoolean());
        Assert.Equal(defaults.DefaultUser, hosts.GetProperty("DefaultUser").GetString());
        Assert.False(hosts.TryGetProperty("DefaultPrivateKeyFile", out _));
        Assert.Equal(defaults.Discovery.Interval, TimeSpan.Parse(discovery.GetProperty("Interval").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(defaults.Discovery.CommandTimeout, TimeSpan.Parse(discovery.GetProperty("CommandTimeout").GetString()!, CultureInfo.InvariantCulture));
        Assert.False(discovery.TryGetProperty("JournalDirectory", out _));
        Assert.False(discovery.TryGetProperty("Flake", out _));
        Assert.Equal(["systemd-journal"], Strings(Service(result).GetProperty("SupplementaryGroups")));
        Assert.False(Service(result).TryGetProperty("ReadOnlyPaths", out _));
    }

    [Fact]
    public async Task Discovery_Settings_MapEveryOptionToItsKey()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Discovery);
        var hosts = result.GetProperty("settings").GetProperty("Macha").GetProperty("Hosts");
        var discovery = hosts.GetProperty("Discovery");

        Assert.True(hosts.GetProperty("TrustOnFirstUse").GetBoolean());
        Assert.Equal("ops", hosts.GetProperty("DefaultUser").GetString());
        Assert.Equal("/run/credentials/macha-autonomous.service/hosts-default-key", hosts.GetProperty("DefaultPrivateKeyFile").GetString());
        Assert.Equal("/var/log/journal/remote", discovery.GetProperty("JournalDirectory").GetString());
        Assert.Equal("/etc/nixos", discovery.GetProperty("Flake").GetString());
        Assert.Equal("00:10:00", discovery.GetProperty("Interval").GetString());
        Assert.Equal("00:00:30", discovery.GetProperty("CommandTimeout").GetString());
        Assert.Empty(result.GetProperty("failedAssertions").EnumerateArray());
    }

    [Fact]
    public async Task Discovery_HostWithoutUser_TakesDefaults()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Discovery);
        var host = result.GetProperty("settings").GetProperty("Macha").GetProperty("Hosts").GetProperty("Remote").EnumerateArray().Single();

        Assert.Equal("ops", host.GetProperty("User").GetString());
        Assert.False(host.TryGetProperty("PrivateKeyFile", out _));
        Assert.Equal(["hosts-default-key:/run/secrets/default-key"], Strings(Service(result).GetProperty("LoadCredential")));
        Assert.DoesNotContain("/run/secrets/", result.GetProperty("settings").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_JournalDirectory_IsReadOnly()
    {
        var service = Service(await NixEvaluator.EvaluateModuleAsync(Discovery));

        Assert.Equal(["-/var/log/journal/remote"], Strings(service.GetProperty("ReadOnlyPaths")));
        Assert.DoesNotContain(Strings(service.GetProperty("ReadWritePaths")), path => path.Contains("/var/log/journal/remote", StringComparison.Ordinal));
        Assert.Equal(["systemd-journal", "systemd-journal-remote"], Strings(service.GetProperty("SupplementaryGroups")));
    }

    [Fact]
    public async Task Discovery_NullJournalGroup_JoinsNoExtraGroup()
    {
        var service = Service(await NixEvaluator.EvaluateModuleAsync(
            "{ services.macha-autonomous = { enable = true; discovery = { journalDirectory = \"/srv/journal\"; journalGroup = null; }; }; }"));

        Assert.Equal(["systemd-journal"], Strings(service.GetProperty("SupplementaryGroups")));
        Assert.Equal(["-/srv/journal"], Strings(service.GetProperty("ReadOnlyPaths")));
    }

    [Fact]
    public async Task Discovery_DirectoryBesideDataDirectory_PassesAssertions()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(
            "{ services.macha-autonomous = { enable = true; discovery.journalDirectory = \"/var/lib/macha-autonomous-journal\"; }; }");

        Assert.Empty(result.GetProperty("failedAssertions").EnumerateArray());
        Assert.Equal(["-/var/lib/macha-autonomous-journal"], Strings(Service(result).GetProperty("ReadOnlyPaths")));
    }

    [Fact]
    public async Task HostNamedDefault_KeyCredential_IsDistinct()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(
            "{ services.macha-autonomous = { enable = true; hostDefaults.keyFile = \"/run/secrets/a\"; hosts.default = { address = \"d\"; keyFile = \"/run/secrets/b\"; }; }; }");

        Assert.Equal(
            ["host-default-key:/run/secrets/b", "hosts-default-key:/run/secrets/a"],
            Strings(Service(result).GetProperty("LoadCredential")).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("authentication.users.admin.passwordHashFile = \"/run/secrets/admin\";")]
    [InlineData("authentication.usersFile = \"/run/secrets/users\";")]
    [InlineData("authentication.apiTokensFile = \"/run/secrets/tokens\";")]
    public async Task NetworkAddress_WithAuthentication_PassesAssertions(string setting)
    {
        var result = await NixEvaluator.EvaluateModuleAsync($"{{ services.macha-autonomous = {{ enable = true; listenAddress = \"0.0.0.0\"; {setting} }}; }}");

        Assert.Empty(result.GetProperty("failedAssertions").EnumerateArray());
    }

    [Fact]
    public async Task Users_StartScript_AssemblesTheUsersFile()
    {
        const string Configuration = """
            {
              services.macha-autonomous = {
                enable = true;
                authentication.users.admin.passwordHashFile = "/run/secrets/admin";
                authentication.users.ops.passwordHashFile = "/run/secrets/ops";
                authentication.usersFile = "/run/secrets/users";
              };
            }
            """;
        var result = await NixEvaluator.EvaluateModuleAsync(Configuration);
        using var directory = new Fakes.TestDataDirectory();
        var credentials = Directory.CreateDirectory(Path.Combine(directory.Path, "credentials")).FullName;
        var runtime = Directory.CreateDirectory(Path.Combine(directory.Path, "runtime")).FullName;
        await File.WriteAllTextAsync(Path.Combine(credentials, "user-admin-password-hash"), "AQAAAAIAAYagAAAAEAdminHash==\n");
        await File.WriteAllTextAsync(Path.Combine(credentials, "user-ops-password-hash"), "ops:AQAAAAIAAYagAAAAEOpsHash==\n");
        await File.WriteAllTextAsync(Path.Combine(credentials, "users"), "carol:AQAAAAIAAYagAAAAECarolHash==\n");
        var scriptPath = Path.Combine(directory.Path, "assemble-users");
        await File.WriteAllTextAsync(scriptPath, Strings(result.GetProperty("startScripts")).Single());

        var output = await RunScriptAsync(scriptPath, credentials, runtime);

        Assert.True(output.ExitCode == 0, output.StandardError);
        Assert.Equal(
            "admin:AQAAAAIAAYagAAAAEAdminHash==\nops:AQAAAAIAAYagAAAAEOpsHash==\ncarol:AQAAAAIAAYagAAAAECarolHash==\n",
            await File.ReadAllTextAsync(Path.Combine(runtime, "users")));
        Assert.Equal(["users"], Directory.GetFiles(runtime).Select(Path.GetFileName));
        Assert.Contains("user-admin-password-hash:/run/secrets/admin", Strings(Service(result).GetProperty("LoadCredential")));
        Assert.Equal("macha-autonomous", Service(result).GetProperty("RuntimeDirectory").GetString());
        Assert.Equal("0700", Service(result).GetProperty("RuntimeDirectoryMode").GetString());
    }

    [Fact]
    public async Task Minimal_NoUsers_HasNoStartScript()
    {
        var result = await NixEvaluator.EvaluateModuleAsync(Minimal);

        Assert.Empty(Service(result).GetProperty("ExecStartPre").EnumerateArray());
        Assert.False(result.GetProperty("settings").GetProperty("Macha").GetProperty("Authentication").TryGetProperty("UsersFile", out _));
    }

    [Fact]
    public async Task Disabled_Module_DefinesNothing()
    {
        var result = await NixEvaluator.EvaluateModuleAsync("{ services.macha-autonomous.enable = false; }");

        Assert.Empty(result.GetProperty("config").EnumerateObject());
    }

    [Fact]
    public async Task CustomDataDirectory_IsCreatedAndWritable()
    {
        var service = Service(await NixEvaluator.EvaluateModuleAsync("{ services.macha-autonomous = { enable = true; dataDir = \"/srv/macha\"; }; }"));

        Assert.False(service.TryGetProperty("StateDirectory", out _));
        Assert.Contains("/srv/macha", Strings(service.GetProperty("ReadWritePaths")));
    }

    [Theory]
    [InlineData("autonomyLevel = \"yolo\";", "services.macha-autonomous.autonomyLevel")]
    [InlineData("checkInterval = 5;", "services.macha-autonomous.checkInterval")]
    [InlineData("port = \"5380\";", "services.macha-autonomous.port")]
    [InlineData("gotify.tokenFile = ./token;", "services.macha-autonomous.gotify.tokenFile")]
    [InlineData("gotify.tokenFile = \"relative/token\";", "services.macha-autonomous.gotify.tokenFile")]
    [InlineData("hosts.web-1 = { address = \"a\"; port = 70000; };", "services.macha-autonomous.hosts.web-1.port")]
    [InlineData("hosts.web-1 = { port = 22; };", "services.macha-autonomous.hosts.web-1.address")]
    [InlineData("hosts.web-1 = { address = \"a\"; hostKeys = \"SHA256:abc\"; };", "services.macha-autonomous.hosts.web-1.hostKeys")]
    [InlineData("rebuild.flake = \"github:owner/repo#web\";", "services.macha-autonomous.rebuild.flake")]
    [InlineData("protectedServices = \"postgresql\";", "services.macha-autonomous.protectedServices")]
    [InlineData("settings.Macha.Bad = pkgs: pkgs;", "services.macha-autonomous.settings")]
    [InlineData("noSuchOption = 1;", "services.macha-autonomous.noSuchOption")]
    [InlineData("configFile = \"/etc/macha.json\";", "services.macha-autonomous.configFile")]
    [InlineData("trustOnFirstUse = \"yes\";", "services.macha-autonomous.trustOnFirstUse")]
    [InlineData("hostDefaults.keyFile = \"keys/macha\";", "services.macha-autonomous.hostDefaults.keyFile")]
    [InlineData("discovery.journalDirectory = \"journal/remote\";", "services.macha-autonomous.discovery.journalDirectory")]
    [InlineData("discovery.flake = \"/etc/nixos#web-1\";", "services.macha-autonomous.discovery.flake")]
    [InlineData("discovery.interval = 30;", "services.macha-autonomous.discovery.interval")]
    [InlineData("discovery.commandTimeout = 0;", "services.macha-autonomous.discovery.commandTimeout")]
    [InlineData("hostDefaults.user = \"\";", "services.macha-autonomous.hostDefaults.user")]
    [InlineData("hostDefaults.user = \"a b\";", "services.macha-autonomous.hostDefaults.user")]
    [InlineData("hostDefaults.user = \"ops\\n\";", "services.macha-autonomous.hostDefaults.user")]
    [InlineData("hosts.web-1 = { address = \"a\"; user = \"Deploy User\"; };", "services.macha-autonomous.hosts.web-1.user")]
    [InlineData("discovery.journalGroup = \"\";", "services.macha-autonomous.discovery.journalGroup")]
    [InlineData("discovery.journalGroup = \"adm wheel\";", "services.macha-autonomous.discovery.journalGroup")]
    public async Task Evaluate_InvalidValue_FailsNamingTheOption(string setting, string option)
    {
        var output = await NixEvaluator.TryEvaluateModuleAsync($"{{ services.macha-autonomous = {{ enable = true; {setting} }}; }}");

        Assert.NotEqual(0, output.ExitCode);
        Assert.Contains($"`{option}'", output.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gotify.url = \"https://gotify.example.org\";", "gotify.tokenFile is not")]
    [InlineData("gotify = { url = \"https://g\"; tokenFile = \"/nix/store/0123-token\"; };", "must not be in the Nix store")]
    [InlineData("hosts.\"web 1\" = { address = \"a\"; keyFile = \"/run/secrets/k\"; };", "host and user names")]
    [InlineData("hosts.web-1.address = \"a\"; hosts.db-1 = { address = \"b\"; keyFile = \"/run/secrets/k\"; };", "hosts web-1: no keyFile, and hostDefaults.keyFile is not set")]
    [InlineData("hostDefaults.keyFile = \"/nix/store/0123-key\";", "must not be in the Nix store")]
    [InlineData("autonomyLevel = \"observe\"; rebuild.flake = \"/etc/nixos#web\";", "needs privilegedActions")]
    [InlineData("listenAddress = \"0.0.0.0\";", "needs authentication.users")]
    [InlineData("listenAddress = \"192.0.2.5\"; authentication.users.\"-x\".passwordHashFile = \"/run/secrets/x\";", "host and user names")]
    [InlineData("discovery.journalDirectory = \"/var/lib/macha-autonomous\";", "discovery.journalDirectory /var/lib/macha-autonomous is or overlaps services.macha-autonomous.dataDir")]
    [InlineData("discovery.journalDirectory = \"/var/lib/macha-autonomous/\";", "discovery.journalDirectory /var/lib/macha-autonomous/ is or overlaps")]
    [InlineData("discovery.journalDirectory = \"/var/lib\";", "discovery.journalDirectory /var/lib is or overlaps")]
    [InlineData("dataDir = \"/srv/macha\"; discovery.journalDirectory = \"/srv/macha/journal\";", "dataDir /srv/macha,")]
    public async Task Evaluate_InconsistentOptions_FailAnAssertion(string setting, string message)
    {
        var result = await NixEvaluator.EvaluateModuleAsync($"{{ services.macha-autonomous = {{ enable = true; {setting} }}; }}");

        var failed = Strings(result.GetProperty("failedAssertions"));

        Assert.Single(failed);
        Assert.Contains(message, failed[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_AllDocumented_WithDefaultAndExample()
    {
        var docs = (await NixEvaluator.EvaluateModuleAsync(Minimal)).GetProperty("optionDocs");
        // These have no default because the module cannot guess them; NixOS reports them as missing.
        string[] required = ["services.macha-autonomous.hosts.<name>.address", "services.macha-autonomous.authentication.users.<name>.passwordHashFile"];

        var options = docs.EnumerateArray().ToList();

        Assert.True(options.Count > 30, $"only {options.Count} options found");
        foreach (var option in options)
        {
            var path = option.GetProperty("path").GetString()!;
            Assert.True(option.GetProperty("hasDescription").GetBoolean(), $"{path} has no description");
            Assert.True(option.GetProperty("hasExample").GetBoolean() || path.EndsWith(".enable", StringComparison.Ordinal), $"{path} has no example");
            Assert.True(option.GetProperty("hasDefault").GetBoolean() || required.Contains(path), $"{path} has no default");
            Assert.True(option.GetProperty("exampleFitsType").GetBoolean(), $"{path} has an example of the wrong type");
        }
    }

    // Runs a start script as systemd would, with the credential and runtime directories it sets.
    private static async Task<ProcessOutput> RunScriptAsync(string scriptPath, string credentialsDirectory, string runtimeDirectory)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh", [scriptPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["CREDENTIALS_DIRECTORY"] = credentialsDirectory;
        start.Environment["RUNTIME_DIRECTORY"] = runtimeDirectory;

        using var process = System.Diagnostics.Process.Start(start)!;
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(limit.Token);
        return new ProcessOutput(process.ExitCode, await standardOutput, await standardError);
    }

    private static JsonElement Unit(JsonElement result) =>
        result.GetProperty("config").GetProperty("systemd").GetProperty("services").GetProperty("macha-autonomous");

    private static JsonElement Service(JsonElement result) => Unit(result).GetProperty("serviceConfig");

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(item => item.GetString()!).ToList();
}
