# The sudo rules for Macha's privileged actions, shared by the controller's module (module.nix) and
# the module for remote hosts (nix/remote-host.nix).
#
# Each rule allows exactly one argv that Macha's executor builds (Macha.Core/Actions), with the
# arguments matched by a sudoers regular expression (sudo 1.9.10 or later) anchored at both ends:
#   systemctl restart -- UNIT           UNIT a .service, .socket, .timer or .path unit
#   systemctl reset-failed -- UNIT      UNIT any unit
#   journalctl --vacuum-size=SIZE       SIZE a whole number with a K, M or G suffix
#   nix-collect-garbage --delete-older-than Nd
#   nixos-rebuild test|switch --flake FLAKE   only the configured flake reference
#   nixos-rebuild switch --rollback
#   /nix/var/nix/profiles/system/bin/switch-to-configuration test
#                                       re-activates the current system after a failed `test`
# A unit name can hold no space, so one rule can never match a second argument, and no rule admits
# an option that opens a shell, an editor or a pager. Protected units are denied by rules after the
# allowing ones, because sudo uses the last rule that matches.
{ lib }:

let
  inherit (lib)
    concatMap
    concatStringsSep
    escapeRegex
    hasInfix
    optionals
    replaceStrings
    ;

  # Characters systemd allows in unit names (letters, digits and ":-_.\@"), without a leading '-'
  # or '.', which some tools would read as an option or a hidden file.
  unitNameRegex = "[A-Za-z0-9:_\\\\@][A-Za-z0-9:_.\\\\@-]*";

  restartableUnitRegex = "${unitNameRegex}\\.(service|socket|timer|path)";

  # The entries of Macha's built-in protected list (ProtectedTargets.BuiltIn in Macha.Core), kept in
  # the same order so a reader can compare them.
  builtInProtectedUnits = [
    "sshd.service"
    "ssh.service"
    "ssh.socket"
    "sshd.socket"
    "sshd@.service"
    "ssh@.service"
    "NetworkManager.service"
    "systemd-networkd.service"
    "systemd-resolved.service"
    "wpa_supplicant.service"
    "dbus.service"
    "dbus-broker.service"
    "dbus.socket"
    "systemd-journald.service"
    "systemd-journald.socket"
    "systemd-journald-dev-log.socket"
    "systemd-journald-audit.socket"
    "systemd-logind.service"
    "systemd-udevd.service"
    "systemd-timesyncd.service"
    "systemd-*"
    "dbus*"
    "init.scope"
    "-.mount"
    "-.slice"
    "macha.service"
    "macha-autonomous.service"
    "ollama.service"
    "chromadb.service"
    "gotify-server.service"
  ];

  hasUnitSuffix =
    name:
    builtins.match ".*\\.(service|socket|device|mount|automount|swap|target|path|timer|slice|scope)" name
    != null;

  # Turns one protected entry into a regular expression with the same meaning as in Macha:
  # "backup" means backup.service, '*' matches any run of characters, and a template such as
  # "sshd@.service" also covers its instances. Unit names are case-sensitive in systemd, so the
  # match is too.
  protectedEntryRegex =
    entry:
    let
      name = if hasInfix "*" entry || hasUnitSuffix entry then entry else "${entry}.service";
      parts = lib.splitString "*" name;
      glob = concatStringsSep ".*" (map escapeRegex parts);
      template = builtins.match "(.*@)(\\.[a-z]+)" name;
    in
    if template != null then
      "${escapeRegex (builtins.elemAt template 0)}.*${escapeRegex (builtins.elemAt template 1)}"
    else
      glob;

  # '#' starts a comment in sudoers even inside a regular expression, so it is the one character
  # that needs a backslash there.
  escapeSudoers = replaceStrings [ "#" ] [ "\\#" ];

  allow = program: argumentsRegex: {
    command = "${program} ${escapeSudoers "^${argumentsRegex}$"}";
    options = [ "NOPASSWD" ];
  };

  deny = program: argumentsRegex: {
    command = "!${program} ${escapeSudoers "^${argumentsRegex}$"}";
    options = [ ];
  };
in
{
  inherit builtInProtectedUnits protectedEntryRegex unitNameRegex;

  # The flake references Macha accepts: an absolute local path and a configuration name, such as
  # /etc/nixos#web-1, with the character set Macha's executor checks (ActionArguments.CheckFlakeRef).
  flakeRefPattern = "(/[A-Za-z0-9_.+-]+)+#[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}";

  # Returns the command list of one security.sudo.extraRules entry.
  #   systemctl, journalctl, nixCollectGarbage, nixosRebuild: absolute paths of the programs, the
  #     same ones the service finds on its PATH, because sudo compares the resolved path;
  #   protectedUnits: entries added to the built-in protected list;
  #   switchToConfiguration: the system profile's activation program, which the rebuild pipeline
  #     runs with "test" to undo a failed `nixos-rebuild test`;
  #   rebuildFlake: the flake reference nixos-rebuild may switch to, or null for none;
  #   allowRollback: whether nixos-rebuild switch --rollback is allowed.
  commands =
    {
      systemctl,
      journalctl,
      nixCollectGarbage,
      nixosRebuild,
      switchToConfiguration ? "/nix/var/nix/profiles/system/bin/switch-to-configuration",
      protectedUnits ? [ ],
      rebuildFlake ? null,
      allowRollback ? false,
    }:
    [
      (allow systemctl "restart -- ${restartableUnitRegex}")
      (allow systemctl "reset-failed -- ${unitNameRegex}")
      (allow journalctl "--vacuum-size=[1-9][0-9]{0,8}[KMG]")
      (allow nixCollectGarbage "--delete-older-than [1-9][0-9]{0,3}d")
    ]
    ++ optionals (rebuildFlake != null) [
      (allow nixosRebuild "(test|switch) --flake ${escapeRegex rebuildFlake}")
      (allow switchToConfiguration "test")
    ]
    ++ optionals allowRollback [ (allow nixosRebuild "switch --rollback") ]
    # Denials come last, because sudo uses the last rule that matches a command. One rule per
    # entry keeps each regular expression under sudo's limit of 1024 characters.
    ++ concatMap (
      verb: map (entry: deny systemctl "${verb} -- ${protectedEntryRegex entry}") (builtInProtectedUnits ++ protectedUnits)
    ) [
      "restart"
      "reset-failed"
    ];
}
