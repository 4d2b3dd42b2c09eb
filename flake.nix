{
  description = "Macha, a self-hosted autonomous system administrator for Linux and NixOS hosts";

  # NOTE: no flake.lock is committed yet, because nixpkgs cannot be fetched where this flake was
  # written; the first `nix flake check` or `nix build` creates one.
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
      ];
      forAllSystems = function: nixpkgs.lib.genAttrs systems (system: function nixpkgs.legacyPackages.${system});

      # A small NixOS system with Macha in a full configuration, evaluated without being built.
      evaluatedModule =
        system:
        nixpkgs.lib.nixosSystem {
          inherit system;
          modules = [
            self.nixosModules.default
            {
              boot.isContainer = true;
              system.stateVersion = "25.11";
              services.macha-autonomous = {
                enable = true;
                package = self.packages.${system}.default;
                autonomyLevel = "auto-safe";
                ollamaUrl = "http://127.0.0.1:11434";
                chromadb.enableLocal = true;
                gotify = {
                  url = "https://gotify.example.org";
                  tokenFile = "/run/secrets/gotify-token";
                };
                hosts.web-1 = {
                  address = "web-1.example.org";
                  keyFile = "/run/secrets/macha-ssh-key";
                  hostKeys = [ "SHA256:Xb1yQ3Oq0Xh2sdrbaEzm2eq2Jf0zHEKCn1Y5Z1Sfm8A" ];
                };
                rebuild = {
                  flake = "/etc/nixos#machine";
                  allowRollback = true;
                };
              };
            }
          ];
        };
    in
    {
      packages = forAllSystems (pkgs: {
        default = pkgs.callPackage ./nix/package.nix { };
      });

      nixosModules = {
        default = ./module.nix;
        # For the hosts a controller manages over SSH: their user, key and sudo rules.
        remoteHost = ./nix/remote-host.nix;
      };

      checks = forAllSystems (
        pkgs:
        let
          system = pkgs.stdenv.hostPlatform.system;
          evaluated = evaluatedModule system;
          unit = evaluated.config.systemd.units."macha-autonomous.service".unit;
        in
        {
          package = self.packages.${system}.default;

          # Evaluating the system's derivation path runs every module's assertions, including
          # Macha's, without building the system. The unit file is then checked for hardening.
          module-evaluation = builtins.seq evaluated.config.system.build.toplevel.drvPath (
            pkgs.runCommand "macha-module-evaluation" { } ''
              unit=${unit}/macha-autonomous.service
              grep -qx 'Type=notify' "$unit"
              grep -qx 'ProtectSystem=strict' "$unit"
              grep -q '^LoadCredential=gotify-token:/run/secrets/gotify-token' "$unit"
              if grep -q '^Environment=.*secrets' "$unit"; then
                echo "a secret's path is in the unit's environment" >&2
                exit 1
              fi
              cp "$unit" "$out"
            ''
          );

          vm-test = pkgs.testers.runNixOSTest (import ./nix/vm-test.nix { inherit self; });
        }
      );

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          # The .NET SDK, and the tools the tests start: OpenSSH servers, Chromium for the browser
          # tests, Node.js for the ChromaDB launcher, journalctl and systemd-journal-remote, wrk.
          packages = [
            pkgs.dotnet-sdk_10
            pkgs.openssh
            pkgs.chromium
            pkgs.nodejs
            pkgs.systemd
            pkgs.wrk
            pkgs.nixfmt-rfc-style
          ];
        };
      });

      formatter = forAllSystems (pkgs: pkgs.nixfmt-rfc-style);
    };
}
