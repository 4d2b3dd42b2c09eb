using System.Text.Json;

namespace Macha.Tests.Nix;

/// <summary>Evaluates nix/remote-host.nix, the module for hosts a Macha controller manages over SSH.</summary>
public sealed class RemoteHostModuleTests
{
    private const string Configuration = """
        {
          services.macha-remote-host = {
            enable = true;
            authorizedKeys = [ "from=\"192.0.2.10\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample macha@controller" ];
            protectedServices = [ "postgresql" ];
            rebuild.flake = "/etc/nixos#db-1";
          };
        }
        """;

    [Fact]
    public async Task RemoteHost_User_LogsInWithTheControllersKey()
    {
        var user = (await EvaluateAsync(Configuration)).GetProperty("config").GetProperty("users").GetProperty("users").GetProperty("macha");

        Assert.True(user.GetProperty("isSystemUser").GetBoolean());
        Assert.Equal("macha", user.GetProperty("group").GetString());
        Assert.EndsWith("/bash-interactive", user.GetProperty("shell").GetString(), StringComparison.Ordinal);
        Assert.Equal(["systemd-journal"], user.GetProperty("extraGroups").EnumerateArray().Select(group => group.GetString()));
        Assert.Equal(
            ["from=\"192.0.2.10\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample macha@controller"],
            user.GetProperty("openssh").GetProperty("authorizedKeys").GetProperty("keys").EnumerateArray().Select(key => key.GetString()));
    }

    [Fact]
    public async Task RemoteHost_SudoRules_NameTheSystemPrograms()
    {
        var sudoers = (await EvaluateAsync(Configuration)).GetProperty("sudoers").GetString()!;

        Assert.StartsWith("macha ALL=(root) NOPASSWD: /run/current-system/sw/bin/systemctl ^restart -- ", sudoers, StringComparison.Ordinal);
        Assert.Contains("NOPASSWD: /run/current-system/sw/bin/journalctl ^--vacuum-size=", sudoers, StringComparison.Ordinal);
        Assert.Contains("/run/current-system/sw/bin/nixos-rebuild ^(test|switch) --flake /etc/nixos\\#db-1$", sudoers, StringComparison.Ordinal);
        Assert.DoesNotContain("--rollback", sudoers, StringComparison.Ordinal);
        Assert.Contains("!/run/current-system/sw/bin/systemctl ^restart -- postgresql\\.service$", sudoers, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemoteHost_Disabled_DefinesNothing()
    {
        var result = await EvaluateAsync("{ services.macha-remote-host.authorizedKeys = [ \"ssh-ed25519 AAAA\" ]; }");

        Assert.Empty(result.GetProperty("config").EnumerateObject());
    }

    [Fact]
    public async Task RemoteHost_KeysAsOneString_FailsNamingTheOption()
    {
        var output = await NixEvaluator.TryEvaluateModuleAsync(
            "{ services.macha-remote-host = { enable = true; authorizedKeys = \"ssh-ed25519 AAAA\"; }; }", "nix/remote-host.nix", "services.macha-remote-host");

        Assert.NotEqual(0, output.ExitCode);
        Assert.Contains("`services.macha-remote-host.authorizedKeys'", output.StandardError, StringComparison.Ordinal);
    }

    private static Task<JsonElement> EvaluateAsync(string configuration) =>
        NixEvaluator.EvaluateModuleAsync(configuration, "nix/remote-host.nix", "services.macha-remote-host");
}
