# A stand-in for the packages module.nix and nix/package.nix refer to. Each package is an attribute
# set shaped like a derivation, with an output path under programRoot, so the sudo tests can put
# real files there; nothing is built or written to the Nix store.
{ lib, programRoot }:

let
  package = name: {
    type = "derivation";
    inherit name;
    pname = name;
    outPath = "${programRoot}/${name}";
  };

  # A file whose content the tests read back from the `text` attribute.
  textFile = name: text: {
    type = "derivation";
    inherit name text;
    outPath = "${programRoot}/${name}";
  };
in
{
  systemd = package "systemd";
  nix = package "nix";
  nixos-rebuild = package "nixos-rebuild";
  iproute2 = package "iproute2";
  iputils = package "iputils";
  procps = package "procps";
  getent = package "getent";
  git = package "git";
  bashInteractive = package "bash-interactive";

  writeText = textFile;
  writeShellScriptBin = name: text: textFile name "#!/bin/sh\n${text}";
  writeShellScript = name: text: textFile name "#!/bin/sh\n${text}";

  formats.json = { }: {
    type = lib.types.json;
    generate = name: value: textFile name (builtins.toJSON value);
  };

  # Evaluates nix/package.nix with a buildDotnetModule that returns its arguments as the package,
  # so the tests see the same attributes the real build gets.
  callPackage =
    path: overrides:
    import path (
      {
        inherit lib;
        buildDotnetModule =
          arguments:
          arguments
          // {
            type = "derivation";
            name = "${arguments.pname}-${arguments.version}";
            outPath = "${programRoot}/${arguments.pname}";
          };
        dotnet-sdk_10 = package "dotnet-sdk";
        dotnet-aspnetcore_10 = package "aspnetcore-runtime";
      }
      // overrides
    );
}
