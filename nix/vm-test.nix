# NixOS VM test: boots a machine with Macha enabled and a unit that fails, then checks through the
# API that Macha reports the failed unit and offers its restart as an approval. Run it with
# `nix flake check` or `nix build .#checks.x86_64-linux.vm-test`; it needs KVM.
{ self }:

{
  name = "macha-autonomous";

  nodes.machine =
    { pkgs, ... }:
    {
      imports = [ self.nixosModules.default ];

      services.macha-autonomous = {
        enable = true;
        package = self.packages.${pkgs.stdenv.hostPlatform.system}.default;
        # Restarts wait for approval at this level, which is what the test looks for.
        autonomyLevel = "suggest";
        checkInterval = 30;
      };

      # A oneshot that fails at boot: the failed unit Macha must find.
      systemd.services.broken-oneshot = {
        description = "A unit that always fails, for Macha to detect";
        wantedBy = [ "multi-user.target" ];
        serviceConfig = {
          Type = "oneshot";
          ExecStart = "${pkgs.coreutils}/bin/false";
        };
      };

      environment.systemPackages = [
        pkgs.curl
        pkgs.jq
      ];
      virtualisation.memorySize = 2048;
    };

  testScript = ''
    api = "http://127.0.0.1:5380/api"

    machine.wait_for_unit("multi-user.target")
    # Type=notify: the unit is active only once the web host has started.
    machine.wait_for_unit("macha-autonomous.service")
    machine.wait_until_succeeds("systemctl is-failed broken-oneshot.service")

    with subtest("the service runs hardened, as its own user"):
        machine.succeed("systemctl show -p User --value macha-autonomous.service | grep -qx macha")
        machine.succeed("systemctl show -p NoNewPrivileges --value macha-autonomous.service | grep -qx no")
        machine.succeed("systemctl show -p ProtectSystem --value macha-autonomous.service | grep -qx strict")

    with subtest("a health cycle finds the failed unit"):
        machine.succeed(f"curl -sf -X POST {api}/cycles")
        machine.wait_until_succeeds(
            f"curl -sf '{api}/findings' | jq -e '[.. | objects | select(.kind? == \"FailedUnit\" and .subject? == \"broken-oneshot.service\")] | length > 0'",
            timeout=300,
        )

    with subtest("the restart waits for approval"):
        machine.wait_until_succeeds(
            f"curl -sf '{api}/approvals?state=Pending' | jq -e '[.items[] | select(.actionKind == \"restart_unit\" and (.argv | index(\"broken-oneshot.service\")))] | length > 0'",
            timeout=300,
        )

    with subtest("the sudo rules allow the restart and nothing else"):
        # The service finds systemctl in the store first on its PATH, so check that path.
        systemctl = machine.succeed("readlink -f \"$(command -v systemctl)\"").strip()
        machine.succeed(f"sudo -u macha sudo -n -l {systemctl} restart -- broken-oneshot.service")
        machine.fail(f"sudo -u macha sudo -n -l {systemctl} restart -- sshd.service")
        machine.fail(f"sudo -u macha sudo -n -l {systemctl} edit broken-oneshot.service")
  '';
}
