# NixOS module for Macha: services.macha-autonomous.
#
# Every option maps to a key of Macha's configuration. The module writes them into one JSON file
# in the Nix store, and the service reads it through MACHA_SETTINGS_FILE, after appsettings.json and
# before environment variables and command-line arguments. Secrets never enter that file or the
# unit's environment: each *File option is loaded with systemd's LoadCredential, and the JSON file
# holds only the path of the credential under /run/credentials/macha-autonomous.service.
{
  config,
  lib,
  pkgs,
  ...
}:

let
  inherit (lib)
    attrNames
    concatStringsSep
    filterAttrs
    literalExpression
    mapAttrs
    mapAttrsToList
    mkEnableOption
    mkIf
    mkMerge
    mkOption
    optional
    optionalAttrs
    optionals
    types
    ;

  cfg = config.services.macha-autonomous;
  sudoRules = import ./nix/sudo-rules.nix { inherit lib; };
  jsonFormat = pkgs.formats.json { };

  serviceName = "macha-autonomous";

  # systemd places a system service's credentials here; it is the service's $CREDENTIALS_DIRECTORY.
  credentialDirectory = "/run/credentials/${serviceName}.service";
  credentialPath = id: "${credentialDirectory}/${id}";

  # Names that become credential ids and configuration keys: a letter or digit first, then letters,
  # digits, '.', '_' and '-', so every name is a valid file name and needs no quoting.
  namePattern = "[A-Za-z0-9][A-Za-z0-9._-]*";
  absolutePath = types.strMatching "/.+";
  # The login names Macha accepts for a host (Macha:Hosts:DefaultUser and each host's User).
  loginName = types.strMatching "[a-z_][a-z0-9_.-]{0,31}";
  # A group name of the usual form, which systemd accepts in SupplementaryGroups.
  groupName = types.strMatching "[A-Za-z_][A-Za-z0-9_.-]{0,31}";

  autonomyLevels = {
    observe = "Observe";
    suggest = "Suggest";
    auto-safe = "AutoSafe";
    auto-full = "AutoFull";
  };
  autonomyLevelType = types.enum (attrNames autonomyLevels);

  # Formats seconds as a .NET TimeSpan ("1.02:03:04" or "00:05:00"), the form Macha's options bind.
  pad2 = n: if n < 10 then "0${toString n}" else toString n;
  timeSpan =
    seconds:
    let
      days = seconds / 86400;
      hours = lib.mod (seconds / 3600) 24;
      minutes = lib.mod (seconds / 60) 60;
      rest = lib.mod seconds 60;
      clock = "${pad2 hours}:${pad2 minutes}:${pad2 rest}";
    in
    if days > 0 then "${toString days}.${clock}" else clock;

  # An IPv6 address needs brackets in a URL.
  urlHost = address: if lib.hasInfix ":" address then "[${address}]" else address;

  # The address the CLI wrappers use: the wildcard addresses accept connections on loopback.
  clientAddress =
    if cfg.listenAddress == "0.0.0.0" then
      "127.0.0.1"
    else if cfg.listenAddress == "::" then
      "::1"
    else
      cfg.listenAddress;

  chromadbUrl =
    if cfg.chromadb.url != null then
      cfg.chromadb.url
    else if cfg.chromadb.enableLocal then
      "http://127.0.0.1:${toString config.services.chromadb.port}"
    else
      null;

  # Every secret file, by credential id. Only these paths reach the unit, in LoadCredential.
  credentials =
    optionalAttrs (cfg.gotify.tokenFile != null) { gotify-token = cfg.gotify.tokenFile; }
    // optionalAttrs (cfg.authentication.apiTokensFile != null) {
      api-tokens = cfg.authentication.apiTokensFile;
    }
    // optionalAttrs (cfg.authentication.usersFile != null) { users = cfg.authentication.usersFile; }
    // optionalAttrs (cfg.configRepo.credentialsFile != null) {
      config-repo-credentials = cfg.configRepo.credentialsFile;
    }
    // lib.mapAttrs' (
      name: user: lib.nameValuePair "user-${name}-password-hash" user.passwordHashFile
    ) cfg.authentication.users
    // lib.mapAttrs' (name: host: lib.nameValuePair "host-${name}-key" host.keyFile) (
      filterAttrs (_: host: host.keyFile != null) cfg.hosts
    )
    # "hosts-", not "host-": a host named "default" must not share this id.
    // optionalAttrs (cfg.hostDefaults.keyFile != null) { hosts-default-key = cfg.hostDefaults.keyFile; };

  hostsWithoutKey = attrNames (filterAttrs (_: host: host.keyFile == null) cfg.hosts);

  discovery = cfg.discovery;

  hostSettings =
    name: host:
    {
      Name = name;
      Address = host.address;
      Port = host.port;
      User = host.user;
      HostKeyFingerprints = host.hostKeys;
      Tags = host.tags;
    }
    // optionalAttrs (host.keyFile != null) { PrivateKeyFile = credentialPath "host-${name}-key"; }
    // optionalAttrs (host.autonomyLevel != null) {
      AutonomyLevel = autonomyLevels.${host.autonomyLevel};
    };

  # The dashboard's users file, NAME:HASH a line, which the service assembles at each start from
  # the users' hash credentials (and the usersFile credential), in its runtime directory; systemd
  # sets $RUNTIME_DIRECTORY to runtimeDirectory for every command of the unit.
  runtimeDirectory = "/run/${serviceName}";
  assembledUsersFile = "${runtimeDirectory}/users";
  hasUsers = cfg.authentication.users != { };
  assembleUsersFile = pkgs.writeShellScript "macha-assemble-users" ''
    set -eu
    umask 077
    {
    ${concatStringsSep "\n" (
      mapAttrsToList (name: _: ''
        hash=$(head -n 1 "$CREDENTIALS_DIRECTORY/user-${name}-password-hash")
        printf '%s:%s\n' ${lib.escapeShellArg name} "''${hash#${name}:}"
      '') cfg.authentication.users
    )}
    ${lib.optionalString (cfg.authentication.usersFile != null) ''cat "$CREDENTIALS_DIRECTORY/users"''}
    } >"$RUNTIME_DIRECTORY/users.new"
    mv "$RUNTIME_DIRECTORY/users.new" "$RUNTIME_DIRECTORY/users"
  '';

  # Whether one absolute path is the other or lies below it; trailing slashes do not count.
  pathsOverlap =
    first: second:
    let
      trim =
        path:
        let
          withoutSlashes = builtins.match "(.*[^/])/+" path;
        in
        if withoutSlashes == null then path else builtins.head withoutSlashes;
      a = trim first;
      b = trim second;
      below = parent: child: lib.hasPrefix "${parent}/" child;
    in
    a == b || below a b || below b a;

  isLoopback =
    address:
    lib.hasPrefix "127." address || address == "::1" || address == "localhost";

  # The configuration the options produce, before cfg.settings is merged over it.
  generatedSettings = {
    Kestrel.Endpoints.Http.Url = "http://${urlHost cfg.listenAddress}:${toString cfg.port}";
    Macha = {
      DataDirectory = cfg.dataDir;
      CheckInterval = timeSpan cfg.checkInterval;
      RetentionAge = timeSpan (cfg.retention.days * 86400);
      SnapshotFilesMaxCount = cfg.retention.snapshotFiles;

      Actions = {
        AutonomyLevel = autonomyLevels.${cfg.autonomyLevel};
        ProtectedUnits = cfg.protectedServices;
        RestartLimitPerUnit = cfg.rateLimits.restartsPerUnit;
        RestartWindow = timeSpan cfg.rateLimits.restartWindow;
        MaxAutomaticActionsPerHour = cfg.rateLimits.automaticActionsPerHour;
      };

      Analysis = {
        Enabled = cfg.ollamaUrl != null;
        Model = cfg.model;
      }
      // optionalAttrs (cfg.ollamaUrl != null) { OllamaUrl = cfg.ollamaUrl; };

      Knowledge = {
        EmbeddingModel = cfg.embeddingModel;
      }
      // optionalAttrs (chromadbUrl != null) { ChromaUrl = chromadbUrl; }
      // optionalAttrs (cfg.configRepo.url != null) {
        ConfigRepository = {
          Url = cfg.configRepo.url;
          Branch = cfg.configRepo.branch;
        }
        // optionalAttrs (cfg.configRepo.username != null) { Username = cfg.configRepo.username; }
        // optionalAttrs (cfg.configRepo.credentialsFile != null) {
          CredentialsFile = credentialPath "config-repo-credentials";
        };
      };

      Hosts = {
        Remote = mapAttrsToList hostSettings cfg.hosts;
        TrustOnFirstUse = cfg.trustOnFirstUse;
        DefaultUser = cfg.hostDefaults.user;
        Discovery = {
          Interval = timeSpan discovery.interval;
          CommandTimeout = timeSpan discovery.commandTimeout;
        }
        // optionalAttrs (discovery.journalDirectory != null) { JournalDirectory = discovery.journalDirectory; }
        // optionalAttrs (discovery.flake != null) { Flake = discovery.flake; };
      }
      // optionalAttrs (cfg.hostDefaults.keyFile != null) {
        DefaultPrivateKeyFile = credentialPath "hosts-default-key";
      };

      Authentication =
        optionalAttrs hasUsers { UsersFile = assembledUsersFile; }
        // optionalAttrs (!hasUsers && cfg.authentication.usersFile != null) {
          UsersFile = credentialPath "users";
        }
        // optionalAttrs (cfg.authentication.apiTokensFile != null) {
          TokensFile = credentialPath "api-tokens";
        };
    }
    // optionalAttrs (cfg.gotify.url != null) {
      Notifications.Gotify = {
        Url = cfg.gotify.url;
        TokenFile = credentialPath "gotify-token";
      };
    }
    // optionalAttrs (cfg.publicUrl != null) { PublicUrl = cfg.publicUrl; };
  };

  settingsFile = jsonFormat.generate "macha-appsettings.json" (
    lib.recursiveUpdate generatedSettings cfg.settings
  );

  rebuildEnabled = cfg.rebuild.flake != null || cfg.rebuild.allowRollback;

  # The programs the sudo rules allow. The service finds the same store paths first on its PATH, so
  # the path sudo resolves is the path the rules name.
  privilegedPrograms = {
    systemctl = "${config.systemd.package}/bin/systemctl";
    journalctl = "${config.systemd.package}/bin/journalctl";
    nixCollectGarbage = "${config.nix.package}/bin/nix-collect-garbage";
    nixosRebuild = "${config.system.build.nixos-rebuild}/bin/nixos-rebuild";
  };

  # The CLI reads the instance's URL and the token file from these variables, so the token never
  # appears on a command line that other users could read in the process list.
  cliWrapper =
    name: verb:
    pkgs.writeShellScriptBin name ''
      # The CLI names itself after the wrapper in its help and errors.
      export MACHA_CLI_NAME=${name}
      export MACHA_URL="''${MACHA_URL:-http://${urlHost clientAddress}:${toString cfg.port}}"
      ${lib.optionalString (cfg.cli.tokenFile != null) ''
        export MACHA_TOKEN_FILE="''${MACHA_TOKEN_FILE:-${cfg.cli.tokenFile}}"
      ''}exec ${lib.getExe cfg.package} ${verb} "$@"
    '';

  hostOptions =
    { name, ... }:
    {
      options = {
        address = mkOption {
          type = types.str;
          description = "Host name or IP address Macha connects to over SSH.";
          example = "web-1.example.org";
        };

        port = mkOption {
          type = types.port;
          default = 22;
          description = "SSH port of the host.";
          example = 2222;
        };

        user = mkOption {
          type = loginName;
          default = cfg.hostDefaults.user;
          defaultText = literalExpression "config.services.macha-autonomous.hostDefaults.user";
          description = ''
            User Macha logs in as. On NixOS hosts, the module `nixosModules.remoteHost` creates it
            with the same narrow sudo rules as the controller's.
          '';
          example = "macha";
        };

        keyFile = mkOption {
          type = types.nullOr absolutePath;
          default = null;
          description = ''
            Private SSH key for this host, as an absolute path outside the Nix store. The service
            reads it as the systemd credential `host-${name}-key`. Null uses
            {option}`services.macha-autonomous.hostDefaults.keyFile`.
          '';
          example = "/run/secrets/macha-ssh-key";
        };

        hostKeys = mkOption {
          type = types.listOf types.str;
          default = [ ];
          description = ''
            The host's pinned public host keys, as SHA256 fingerprints. Macha refuses a host whose
            key is not listed, and stops all work on a host whose key changed.
          '';
          example = [ "SHA256:Xb1yQ3Oq0Xh2sdrbaEzm2eq2Jf0zHEKCn1Y5Z1Sfm8A" ];
        };

        tags = mkOption {
          type = types.listOf types.str;
          default = [ ];
          description = "Free-form labels for grouping and filtering hosts on the dashboard.";
          example = [
            "web"
            "production"
          ];
        };

        autonomyLevel = mkOption {
          type = types.nullOr autonomyLevelType;
          default = null;
          description = ''
            Autonomy level for this host only; null uses
            {option}`services.macha-autonomous.autonomyLevel`.
          '';
          example = "observe";
        };
      };
    };

  userOptions =
    { name, ... }:
    {
      options.passwordHashFile = mkOption {
        type = absolutePath;
        description = ''
          File with the password hash of the dashboard user `${name}`, outside the Nix store: the
          line `macha users hash-password ${name}` prints, or only its part after `${name}:`. The
          service reads it as the systemd credential `user-${name}-password-hash`.
        '';
        example = "/run/secrets/macha-admin-password-hash";
      };
    };
in
{
  options.services.macha-autonomous = {
    enable = mkEnableOption "Macha, the autonomous system administrator";

    package = mkOption {
      type = types.package;
      default = pkgs.callPackage ./nix/package.nix { };
      defaultText = literalExpression "pkgs.callPackage ./nix/package.nix { }";
      description = "The Macha package to run.";
      example = literalExpression "inputs.macha.packages.\${pkgs.system}.default";
    };

    user = mkOption {
      type = types.str;
      default = "macha";
      description = "System user the service runs as; the module creates it.";
      example = "macha";
    };

    group = mkOption {
      type = types.str;
      default = "macha";
      description = "Primary group of the service's user; the module creates it.";
      example = "macha";
    };

    autonomyLevel = mkOption {
      type = autonomyLevelType;
      default = "suggest";
      description = ''
        What Macha may do without approval: `observe` only records proposals, `suggest` runs
        read-only diagnostics, `auto-safe` also runs low-risk actions such as restarting a failed
        unit, and `auto-full` runs up to medium risk. Everything else waits for a person.
      '';
      example = "auto-safe";
    };

    checkInterval = mkOption {
      type = types.ints.between 10 86400;
      default = 300;
      description = "Seconds between two scheduled health checks (10 to 86400).";
      example = 120;
    };

    model = mkOption {
      type = types.str;
      default = "qwen3:8b";
      description = "The Ollama model that diagnoses incidents, as Ollama names it.";
      example = "llama3.1:8b";
    };

    ollamaUrl = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = ''
        Base URL of the Ollama server. Null turns diagnosis by the model off, and the rule-based
        playbooks still propose fixes.
      '';
      example = "http://127.0.0.1:11434";
    };

    embeddingModel = mkOption {
      type = types.str;
      default = "nomic-embed-text";
      description = "The Ollama model that embeds knowledge-base notes and incidents.";
      example = "mxbai-embed-large";
    };

    chromadb = {
      url = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = ''
          Base URL of the ChromaDB server for the knowledge base. Null means the local server when
          {option}`services.macha-autonomous.chromadb.enableLocal` is set, and no knowledge base
          otherwise.
        '';
        example = "http://127.0.0.1:8000";
      };

      enableLocal = mkOption {
        type = types.bool;
        default = false;
        description = "Whether to run ChromaDB on this machine with NixOS's {option}`services.chromadb`.";
        example = true;
      };
    };

    gotify = {
      url = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "Base URL of the Gotify server for push notifications; null sends none.";
        example = "https://gotify.example.org";
      };

      tokenFile = mkOption {
        type = types.nullOr absolutePath;
        default = null;
        description = ''
          File with the Gotify application token, outside the Nix store. The service reads it as
          the systemd credential `gotify-token`.
        '';
        example = "/run/secrets/macha-gotify-token";
      };
    };

    publicUrl = mkOption {
      type = types.nullOr types.str;
      default = null;
      description = ''
        The dashboard's address as people reach it, used for links in notifications, such as the
        link to an approval.
      '';
      example = "https://macha.example.org";
    };

    listenAddress = mkOption {
      type = types.str;
      default = "127.0.0.1";
      description = ''
        Address the dashboard and the API listen on. Use `0.0.0.0` or `::` to reach them from other
        machines, together with authentication and {option}`services.macha-autonomous.openFirewall`.
      '';
      example = "0.0.0.0";
    };

    port = mkOption {
      type = types.port;
      default = 5380;
      description = "TCP port of the dashboard and the API.";
      example = 8080;
    };

    openFirewall = mkOption {
      type = types.bool;
      default = false;
      description = "Whether to open {option}`services.macha-autonomous.port` in the firewall.";
      example = true;
    };

    dataDir = mkOption {
      type = absolutePath;
      default = "/var/lib/macha-autonomous";
      description = ''
        Directory for the database, snapshot files and audit logs, owned by the service's user. A
        directory under /var/lib is managed as the unit's StateDirectory.
      '';
      example = "/srv/macha";
    };

    protectedServices = mkOption {
      type = types.listOf types.str;
      default = [ ];
      description = ''
        Units Macha never acts on, added to its built-in list (SSH, networking, dbus, systemd's own
        units, Macha and its dependencies). A name without a suffix means its .service unit, and
        `*` matches any run of characters. The sudo rules deny them too.
      '';
      example = [
        "postgresql"
        "backup-*"
      ];
    };

    rateLimits = {
      restartsPerUnit = mkOption {
        type = types.ints.unsigned;
        default = 3;
        description = ''
          Automatic restarts of one unit within {option}`services.macha-autonomous.rateLimits.restartWindow`;
          further restarts wait for approval, and 0 sends every restart to approval.
        '';
        example = 1;
      };

      restartWindow = mkOption {
        type = types.ints.positive;
        default = 3600;
        description = "Length in seconds of the window in which automatic restarts are counted.";
        example = 7200;
      };

      automaticActionsPerHour = mkOption {
        type = types.ints.unsigned;
        default = 10;
        description = "Automatic actions of any kind per hour, on all hosts together; the rest wait for approval.";
        example = 5;
      };
    };

    hosts = mkOption {
      type = types.attrsOf (types.submodule hostOptions);
      default = { };
      description = ''
        Remote hosts Macha manages over SSH, by name. The machine Macha runs on is always managed
        and needs no entry.
      '';
      example = literalExpression ''
        {
          web-1 = {
            address = "web-1.example.org";
            keyFile = "/run/secrets/macha-ssh-key";
            hostKeys = [ "SHA256:Xb1yQ3Oq0Xh2sdrbaEzm2eq2Jf0zHEKCn1Y5Z1Sfm8A" ];
            tags = [ "web" ];
          };
        }
      '';
    };

    hostDefaults = {
      user = mkOption {
        type = loginName;
        default = "macha";
        description = ''
          User Macha logs in as on hosts that name none: discovered hosts, hosts added on the
          dashboard, and the default of {option}`services.macha-autonomous.hosts.<name>.user`.
          A login name: a lowercase letter or '_', then up to 31 lowercase letters, digits, '_',
          '.' or '-'.
        '';
        example = "ops";
      };

      keyFile = mkOption {
        type = types.nullOr absolutePath;
        default = null;
        description = ''
          Private SSH key for hosts that name none, including discovered hosts and hosts added on
          the dashboard, as an absolute path outside the Nix store. The service reads it as the
          systemd credential `hosts-default-key`. Every host needs a key, its own or this one.
        '';
        example = "/run/secrets/macha-ssh-key";
      };
    };

    trustOnFirstUse = mkOption {
      type = types.bool;
      default = false;
      description = ''
        Whether Macha accepts and pins the SSH host key that a remote host presents on its first
        connection when the host has no pinned key. That first connection is unauthenticated, so
        leave this off and list {option}`services.macha-autonomous.hosts.<name>.hostKeys`, or
        confirm each host with its fingerprint. A host whose pinned key changes is blocked either
        way.
      '';
      example = true;
    };

    discovery = {
      journalDirectory = mkOption {
        type = types.nullOr absolutePath;
        default = null;
        description = ''
          Directory of journal files that a central systemd-journal-remote writes. Every
          `_HOSTNAME` in it becomes a discovered host, which Macha lists but never connects to until
          a person confirms it. The unit gets this directory read-only and joins
          {option}`services.macha-autonomous.discovery.journalGroup`. Null turns this source off.
        '';
        example = "/var/log/journal/remote";
      };

      journalGroup = mkOption {
        type = types.nullOr groupName;
        default = "systemd-journal-remote";
        description = ''
          Group that may read the files in
          {option}`services.macha-autonomous.discovery.journalDirectory`; the service joins it
          while that directory is set. systemd-journal-remote creates its files with mode 0640, so
          only their owner and group read them. systemd's tmpfiles rule for
          /var/log/journal/remote makes that directory setgid `systemd-journal-remote`, so its
          files get that group. Null joins no group.
        '';
        example = "adm";
      };

      flake = mkOption {
        type = types.nullOr (types.strMatching "[^#[:space:]]+");
        default = null;
        description = ''
          Flake reference, without `#`, whose `nixosConfigurations` names become discovered hosts.
          Macha reads only the names, with `nix eval`, as its own user. Null turns this source off.
        '';
        example = "/etc/nixos";
      };

      interval = mkOption {
        type = types.ints.between 60 604800;
        default = 3600;
        description = "Seconds between two discovery runs (60 to 604800); the first runs at start.";
        example = 600;
      };

      commandTimeout = mkOption {
        type = types.ints.between 1 1800;
        default = 120;
        description = "Limit in seconds on `journalctl` or `nix eval` in one discovery run (1 to 1800).";
        example = 300;
      };
    };

    authentication = {
      users = mkOption {
        type = types.attrsOf (types.submodule userOptions);
        default = { };
        description = "Dashboard users, by login name.";
        example = literalExpression ''
          { admin.passwordHashFile = "/run/secrets/macha-admin-password-hash"; }
        '';
      };

      usersFile = mkOption {
        type = types.nullOr absolutePath;
        default = null;
        description = ''
          A ready users file, `NAME:HASH` a line, outside the Nix store, read as the systemd
          credential `users`. Its lines are added to those of
          {option}`services.macha-autonomous.authentication.users`.
        '';
        example = "/run/secrets/macha-users";
      };

      apiTokensFile = mkOption {
        type = types.nullOr absolutePath;
        default = null;
        description = ''
          File with the API tokens Macha accepts, `NAME:SCOPES:SHA256` a line (see
          `macha tokens create`), outside the Nix store. The service reads it as the systemd
          credential `api-tokens`.
        '';
        example = "/run/secrets/macha-api-tokens";
      };
    };

    cli = {
      tokenFile = mkOption {
        type = types.nullOr absolutePath;
        default = null;
        description = ''
          File with an API token that macha-check, macha-approve and macha-logs send. The wrappers
          run as the person who calls them, so make this file readable by those people only (for
          example mode 0440, group wheel). Null sends no token.
        '';
        example = "/run/secrets/macha-cli-token";
      };
    };

    configRepo = {
      url = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = ''
          Git repository with the NixOS configurations of the managed hosts, which Macha indexes
          into its knowledge base. Null indexes none.
        '';
        example = "https://git.example.org/infra/nixos.git";
      };

      branch = mkOption {
        type = types.str;
        default = "main";
        description = "Branch of {option}`services.macha-autonomous.configRepo.url` to index.";
        example = "production";
      };

      username = mkOption {
        type = types.nullOr types.str;
        default = null;
        description = "User name git sends when the repository's server asks for one.";
        example = "macha";
      };

      credentialsFile = mkOption {
        type = types.nullOr absolutePath;
        default = null;
        description = ''
          File whose first line is the password or token for the configuration repository,
          outside the Nix store. The service reads it as the systemd credential
          `config-repo-credentials`.
        '';
        example = "/run/secrets/macha-git-credentials";
      };
    };

    retention = {
      days = mkOption {
        type = types.ints.positive;
        default = 7;
        description = "Age in days after which snapshots, findings and cycle runs are deleted.";
        example = 30;
      };

      snapshotFiles = mkOption {
        type = types.ints.positive;
        default = 2016;
        description = "Snapshot files kept per host; 2016 is a week at five-minute intervals.";
        example = 8640;
      };
    };

    privilegedActions = mkOption {
      type = types.bool;
      default = cfg.autonomyLevel != "observe";
      defaultText = literalExpression ''config.services.macha-autonomous.autonomyLevel != "observe"'';
      description = ''
        Whether Macha may run its privileged actions on this machine (restart or reset a unit,
        vacuum the journal, collect Nix garbage, and the rebuilds allowed below) through sudo rules
        that allow exactly those commands. sudo needs the setuid bit, so the service then runs with
        NoNewPrivileges off and keeps the three capabilities sudo needs to switch to root.
      '';
      example = false;
    };

    rebuild = {
      flake = mkOption {
        type = types.nullOr (types.strMatching sudoRules.flakeRefPattern);
        default = null;
        description = ''
          The only flake reference Macha may run `nixos-rebuild test` and `switch` with on this
          machine: an absolute local path and a configuration name. Null allows no rebuild.
        '';
        example = "/etc/nixos#web-1";
      };

      allowRollback = mkOption {
        type = types.bool;
        default = false;
        description = "Whether Macha may run `nixos-rebuild switch --rollback` on this machine.";
        example = true;
      };
    };

    memoryMax = mkOption {
      type = types.str;
      default = "1G";
      description = "Memory limit of the service (systemd's MemoryMax).";
      example = "512M";
    };

    configFile = mkOption {
      type = types.package;
      default = settingsFile;
      defaultText = literalExpression "a JSON file generated from the options above";
      readOnly = true;
      description = ''
        The JSON configuration file the service reads, generated from the options above and
        {option}`services.macha-autonomous.settings`; read-only, for inspection.
      '';
      example = literalExpression "config.services.macha-autonomous.configFile";
    };

    settings = mkOption {
      type = jsonFormat.type;
      default = { };
      description = ''
        Further configuration in the shape of Macha's appsettings.json, merged over what the
        options above produce. See docs/configuration.md for the keys. Never put secrets here: the
        result is in the Nix store, readable by every user.
      '';
      example = literalExpression ''
        {
          Macha.Detection.DiskUsedWarningPercent = 80;
          Macha.Monitoring.DnsNames = [ "example.org" ];
        }
      '';
    };
  };

  config = mkIf cfg.enable (mkMerge [
    {
      assertions = [
        {
          assertion = cfg.gotify.url == null || cfg.gotify.tokenFile != null;
          message = "services.macha-autonomous.gotify.url is set, but gotify.tokenFile is not; Gotify needs an application token.";
        }
        {
          assertion = lib.all (name: builtins.match namePattern name != null) (
            attrNames cfg.hosts ++ attrNames cfg.authentication.users
          );
          message = "services.macha-autonomous: host and user names must start with a letter or digit and contain only letters, digits, '.', '_' and '-'.";
        }
        {
          assertion = lib.all (path: !lib.hasPrefix builtins.storeDir path) (lib.attrValues credentials);
          message = "services.macha-autonomous: secret files must not be in the Nix store, where every user can read them; use a path such as /run/secrets/….";
        }
        {
          assertion =
            isLoopback cfg.listenAddress
            || hasUsers
            || cfg.authentication.usersFile != null
            || cfg.authentication.apiTokensFile != null;
          message = "services.macha-autonomous.listenAddress ${cfg.listenAddress} is reachable from other machines, so Macha needs authentication.users, authentication.usersFile or authentication.apiTokensFile; without one it refuses to start.";
        }
        {
          assertion = hostsWithoutKey == [ ] || cfg.hostDefaults.keyFile != null;
          message = "services.macha-autonomous.hosts ${concatStringsSep ", " hostsWithoutKey}: no keyFile, and hostDefaults.keyFile is not set; Macha needs a private key for every host and refuses to start without one.";
        }
        {
          # The unit mounts the journal directory read-only, which would take Macha's own data
          # directory, or a part of it, out of its reach.
          assertion = discovery.journalDirectory == null || !(pathsOverlap discovery.journalDirectory cfg.dataDir);
          message = "services.macha-autonomous.discovery.journalDirectory ${toString discovery.journalDirectory} is or overlaps services.macha-autonomous.dataDir ${cfg.dataDir}, which the service mounts read-only for discovery; point it at the directory systemd-journal-remote writes, such as /var/log/journal/remote.";
        }
        {
          assertion = cfg.rebuild.flake == null || cfg.privilegedActions;
          message = "services.macha-autonomous.rebuild.flake needs privilegedActions, because nixos-rebuild runs through sudo.";
        }
      ];

      users.users.${cfg.user} = {
        isSystemUser = true;
        inherit (cfg) group;
        # nixos-rebuild dry-build runs as this user and keeps Nix's evaluation cache in its home.
        home = cfg.dataDir;
        description = "Macha autonomous system administrator";
      };
      users.groups.${cfg.group} = { };

      environment.systemPackages = [
        (cliWrapper "macha-check" "check")
        (cliWrapper "macha-approve" "approve")
        (cliWrapper "macha-logs" "logs")
      ];

      networking.firewall.allowedTCPPorts = optional cfg.openFirewall cfg.port;

      systemd.tmpfiles.rules = optional (!lib.hasPrefix "/var/lib/" cfg.dataDir) "d ${cfg.dataDir} 0700 ${cfg.user} ${cfg.group} - -";

      systemd.services.${serviceName} = {
        description = "Macha autonomous system administrator";
        wantedBy = [ "multi-user.target" ];
        wants = [ "network-online.target" ];
        after = [ "network-online.target" ] ++ optional cfg.chromadb.enableLocal "chromadb.service";

        # A NixOS rebuild that Macha runs on this host must not restart Macha: the activation runs in
        # this unit's control group, and a restart would kill it and end Macha's rebuild pipeline
        # before its checks and rollback. Macha refuses to rebuild its own host without this. A new
        # Macha version starts with the next restart of the unit, which the rebuild's outcome asks for.
        restartIfChanged = false;

        # The collectors and diagnostics run these programs. The privileged ones come first, so sudo
        # resolves the same paths its rules name; /run/wrappers holds the setuid sudo.
        path = [
          config.systemd.package
          config.nix.package
          pkgs.iproute2
          pkgs.iputils
          pkgs.procps
          pkgs.getent
        ]
        ++ optional rebuildEnabled config.system.build.nixos-rebuild
        ++ optional (cfg.configRepo.url != null) pkgs.git
        ++ [
          "/run/wrappers"
          # nixos-version and the rest of the system's programs, after everything above.
          "/run/current-system/sw"
        ];

        environment = {
          MACHA_SETTINGS_FILE = "${cfg.configFile}";
          # Each method compiled once, fully optimized: 5 to 9 MB less resident memory after 1,000
          # health cycles (docs/benchmarks.md) for a start about twice as long. The CLI keeps tiering.
          DOTNET_TieredCompilation = "0";
        };

        serviceConfig = {
          # Macha reports readiness through sd_notify once the web host has started
          # (Microsoft.Extensions.Hosting.Systemd), so units ordered after it wait for the API.
          Type = "notify";
          ExecStart = lib.getExe cfg.package;
          ExecStartPre = optional hasUsers assembleUsersFile;
          RuntimeDirectory = serviceName;
          RuntimeDirectoryMode = "0700";
          # The program's directory, where appsettings.json and the static web assets sit. Macha
          # uses it as its content root whatever the working directory is.
          WorkingDirectory = "${cfg.package}/lib/${cfg.package.pname}";
          User = cfg.user;
          Group = cfg.group;
          # journalctl reads the system journal only for root and this group, and a central
          # journal only for its own group.
          # NOTE: systemd refuses to start the unit when a group listed here does not exist; no
          # NixOS VM test checks that services.journald.remote creates systemd-journal-remote.
          SupplementaryGroups = [
            "systemd-journal"
          ]
          ++ optional (
            discovery.journalDirectory != null && discovery.journalGroup != null
          ) discovery.journalGroup;
          Restart = "on-failure";
          RestartSec = 10;
          UMask = "0077";
          LoadCredential = mapAttrsToList (id: path: "${id}:${path}") credentials;
          MemoryMax = cfg.memoryMax;

          # Hardening, checked against `systemd-analyze security`.
          ProtectSystem = "strict";
          # Read-only rather than hidden: the disk collector must see the file systems mounted
          # under /home to report them full, and with ProtectHome=true df would find an empty
          # directory there instead. File permissions still keep other users' files private.
          ProtectHome = "read-only";
          PrivateTmp = true;
          PrivateDevices = true;
          PrivateMounts = true;
          ProtectKernelTunables = true;
          ProtectKernelModules = true;
          ProtectKernelLogs = true;
          ProtectControlGroups = true;
          ProtectClock = true;
          ProtectHostname = true;
          # ProtectProc stays at its default, and ProcSubset at "all": the process collector reads
          # every process's /proc entry, the CPU, memory and pressure collectors read /proc's global
          # files, and Microsoft.Extensions.Hosting.Systemd 10 finds systemd by reading its parent's
          # /proc entry before it sends READY=1.
          RestrictNamespaces = true;
          RestrictRealtime = true;
          RestrictSUIDSGID = true;
          LockPersonality = true;
          RemoveIPC = true;
          KeyringMode = "private";
          DevicePolicy = "closed";
          # The .NET JIT writes machine code and then maps it executable, which this would forbid.
          MemoryDenyWriteExecute = false;
          # PrivateUsers stays off: sudo must become the real root, and ps must show real owners.
          # AF_UNIX for the journal, systemd and sudo's log; AF_INET and AF_INET6 for the API, SSH,
          # Ollama, ChromaDB and Gotify; AF_NETLINK for `ip` in the network collector.
          RestrictAddressFamilies = [
            "AF_UNIX"
            "AF_INET"
            "AF_INET6"
            "AF_NETLINK"
          ];
          SystemCallArchitectures = "native";
          # @privileged is only denied without sudo, which needs setuid, setgroups and capset.
          # @resources stays allowed: the .NET runtime sets thread affinity and memory policy.
          SystemCallFilter = [ "@system-service" ] ++ optionals (!cfg.privilegedActions) [ "~@privileged" ];
          SystemCallErrorNumber = "EPERM";

          # sudo ignores its setuid bit under NoNewPrivileges, so privileged actions need it off.
          NoNewPrivileges = !cfg.privilegedActions;
          # Without privileged actions the service keeps no capability at all. With them, it keeps
          # only what sudo needs to become root (change user and groups, write its audit record);
          # the allowed commands talk to systemd and the Nix daemon, which check the caller's user,
          # not its capabilities.
          CapabilityBoundingSet =
            if cfg.privilegedActions then
              [
                "CAP_SETUID"
                "CAP_SETGID"
                "CAP_AUDIT_WRITE"
              ]
            else
              [ "" ];
          AmbientCapabilities = [ "" ];
        }
        // optionalAttrs (lib.hasPrefix "/var/lib/" cfg.dataDir) {
          StateDirectory = lib.removePrefix "/var/lib/" cfg.dataDir;
          StateDirectoryMode = "0700";
        }
        // optionalAttrs (discovery.journalDirectory != null) {
          # ProtectSystem=strict already mounts it read-only. Listing it keeps it read-only below a
          # writable path such as /var/log/journal, because systemd applies the deeper path last.
          # The '-' lets the unit start before the directory exists; discovery then reports it.
          ReadOnlyPaths = [ "-${discovery.journalDirectory}" ];
        }
        // {
          # What the sandbox must leave writable. Each entry only lifts the read-only mount; file
          # permissions still keep Macha's own user out, and only root through the sudo rules can
          # write there.
          # NOTE: these paths follow what journalctl, nix-collect-garbage and nixos-rebuild write
          # as root, read from their documentation; no NixOS VM test exercises them yet.
          ReadWritePaths =
            optional (!lib.hasPrefix "/var/lib/" cfg.dataDir) cfg.dataDir
            ++ optionals cfg.privilegedActions [
              # journalctl --vacuum-size deletes archived journal files.
              "-/var/log/journal"
              # nix-collect-garbage and nixos-rebuild add and delete profile generations.
              "-/nix/var/nix/profiles"
              "-/root/.local/state/nix/profiles"
            ]
            ++ optionals (cfg.privilegedActions && rebuildEnabled) [
              # Nix keeps its flake evaluation cache in root's home when nixos-rebuild runs as root.
              "-/root/.cache/nix"
            ];
        };
      };

      security.sudo.extraRules = mkIf cfg.privilegedActions [
        {
          users = [ cfg.user ];
          runAs = "root";
          commands = sudoRules.commands (
            privilegedPrograms
            // {
              protectedUnits = cfg.protectedServices;
              rebuildFlake = cfg.rebuild.flake;
              inherit (cfg.rebuild) allowRollback;
            }
          );
        }
      ];
    }

    (mkIf cfg.chromadb.enableLocal { services.chromadb.enable = true; })
  ]);
}
