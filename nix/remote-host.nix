# NixOS module for a host that a Macha controller manages over SSH: services.macha-remote-host.
# It creates the user the controller logs in as, authorizes the controller's key, and adds the same
# narrow sudo rules as the controller's own module (nix/sudo-rules.nix).
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib) mkEnableOption mkIf mkOption types;

  cfg = config.services.macha-remote-host;
  sudoRules = import ./sudo-rules.nix { inherit lib; };
in
{
  options.services.macha-remote-host = {
    enable = mkEnableOption "access for a Macha controller over SSH";

    user = mkOption {
      type = types.str;
      default = "macha";
      description = "User the controller logs in as; the module creates it with its own group.";
      example = "macha";
    };

    authorizedKeys = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = ''
        Public SSH keys of the controller, as authorized_keys lines. Options such as `from=` may
        precede a key to accept it from the controller's address only.
      '';
      example = [ ''from="192.0.2.10" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyOnly macha@controller'' ];
    };

    protectedServices = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = ''
        Units the sudo rules deny on this host, added to Macha's built-in list. Set the same names
        in the controller's {option}`services.macha-autonomous.protectedServices`, which is what
        Macha itself checks.
      '';
      example = [ "postgresql" ];
    };

    rebuild = {
      flake = mkOption {
        type = types.nullOr (types.strMatching sudoRules.flakeRefPattern);
        default = null;
        description = ''
          The only flake reference the controller may run `nixos-rebuild test` and `switch` with on
          this host. Null allows no rebuild.
        '';
        example = "/etc/nixos#web-1";
      };

      allowRollback = mkOption {
        type = types.bool;
        default = false;
        description = "Whether the controller may run `nixos-rebuild switch --rollback` on this host.";
        example = true;
      };
    };
  };

  config = mkIf cfg.enable {
    users.users.${cfg.user} = {
      isSystemUser = true;
      group = cfg.user;
      # The controller's commands arrive as one quoted command line, which needs a shell to split.
      shell = pkgs.bashInteractive;
      # journalctl reads the system journal only for root and this group.
      extraGroups = [ "systemd-journal" ];
      openssh.authorizedKeys.keys = cfg.authorizedKeys;
    };
    users.groups.${cfg.user} = { };

    # A login shell resolves these through /run/current-system/sw/bin, which is what the rules name.
    security.sudo.extraRules = [
      {
        users = [ cfg.user ];
        runAs = "root";
        commands = sudoRules.commands {
          systemctl = "/run/current-system/sw/bin/systemctl";
          journalctl = "/run/current-system/sw/bin/journalctl";
          nixCollectGarbage = "/run/current-system/sw/bin/nix-collect-garbage";
          nixosRebuild = "/run/current-system/sw/bin/nixos-rebuild";
          protectedUnits = cfg.protectedServices;
          rebuildFlake = cfg.rebuild.flake;
          inherit (cfg.rebuild) allowRollback;
        };
      }
    ];
  };
}
