# Evaluates module.nix (or nix/remote-host.nix) the way NixOS would for the options it declares,
# with the stand-in lib and pkgs beside this file, and returns what the tests check:
#   options           the evaluated option values;
#   optionDocs        every declared option with whether it has a description, default and example,
#                     and whether a plain example value fits the option's type;
#   failedAssertions  the messages of the module's assertions that do not hold;
#   config            the module's config, with mkIf and mkMerge resolved;
#   settings          the JSON configuration the service reads, parsed;
#   packages          the packages the module installs, with the stand-in scripts' text;
#   startScripts      the text of the services' ExecStartPre scripts;
#   sudoers           the sudo rules as NixOS writes them into /etc/sudoers.
# A value of the wrong type, or an option that does not exist, makes the evaluation throw.
{
  module,
  optionRoot ? [
    "services"
    "macha-autonomous"
  ],
  configuration,
  programRoot ? "/nix/store/00000000000000000000000000000000-stand-in",
}:

let
  lib = import ./lib.nix;
  pkgs = import ./pkgs.nix { inherit lib programRoot; };
  inherit (builtins)
    attrNames
    concatLists
    getAttr
    isAttrs
    isList
    mapAttrs
    ;

  getPath = path: attrs: builtins.foldl' (value: name: getAttr name value) attrs path;

  # Other modules' options that the module reads, with NixOS's defaults.
  baseConfig = {
    services.chromadb.port = 8000;
    systemd.package = pkgs.systemd;
    nix.package = pkgs.nix;
    system.build.nixos-rebuild = pkgs.nixos-rebuild;
  };

  evaluated = import module { inherit config lib pkgs; };

  declarations = getPath optionRoot evaluated.options;
  values = lib.evalOptionTree optionRoot declarations (
    getPath optionRoot (lib.recursiveUpdate (lib.genAttrs [ (builtins.head optionRoot) ] (_: { })) configuration)
  );

  setPath =
    path: value:
    if path == [ ] then value else { ${builtins.head path} = setPath (builtins.tail path) value; };

  config = lib.recursiveUpdate baseConfig (setPath optionRoot values);

  # mkIf and mkMerge, resolved: a false mkIf disappears, merged attribute sets are combined key by
  # key, lists are concatenated, and two different plain values for one key are an error.
  absent = {
    _type = "absent";
  };
  isAbsent = value: isAttrs value && (value._type or null) == "absent";

  resolve =
    value:
    if isAttrs value && (value._type or null) == "if" then
      (if value.condition then resolve value.content else absent)
    else if isAttrs value && (value._type or null) == "merge" then
      builtins.foldl' mergeResolved absent (map resolve value.contents)
    else if isAttrs value && !lib.isDerivation value then
      lib.filterAttrs (_: item: !isAbsent item) (mapAttrs (_: resolve) value)
    else
      value;

  mergeResolved =
    left: right:
    if isAbsent left then
      right
    else if isAbsent right then
      left
    else if isList left && isList right then
      left ++ right
    else if isAttrs left && isAttrs right && !lib.isDerivation left && !lib.isDerivation right then
      left
      // mapAttrs (name: item: if left ? ${name} then mergeResolved left.${name} item else item) right
    else if left == right then
      left
    else
      throw "conflicting definitions: ${builtins.toJSON left} and ${builtins.toJSON right}";

  resolvedConfig = resolve evaluated.config;
  resolved = if isAbsent resolvedConfig then { } else resolvedConfig;

  # Every option below the root, with its path and documentation, walking into submodules.
  docsOf =
    path: tree:
    concatLists (
      map (
        name:
        let
          item = tree.${name};
          itemPath = path ++ [ name ];
          nested = item.type.nestedType or item.type;
        in
        if lib.isOption item then
          [
            {
              path = lib.showPath itemPath;
              hasDescription = builtins.stringLength item.description > 0;
              inherit (item) hasDefault hasExample;
              # An example written as a value, not as literalExpression text, must fit the type.
              exampleFitsType =
                !item.hasExample
                || (item.example._type or null) == "literalExpression"
                || item.type.check item.example;
            }
          ]
          ++ (
            if nested ? declarationsFor then docsOf (itemPath ++ [ "<name>" ]) (nested.declarationsFor "name") else [ ]
          )
        else
          docsOf itemPath item
      ) (attrNames tree)
    );

  # As NixOS's security.sudo module renders security.sudo.extraRules.
  renderCommand =
    command:
    let
      options = builtins.concatStringsSep ":" command.options;
    in
    "${if command.options == [ ] then "" else "${options}: "}${command.command}";
  renderRule =
    rule:
    "${builtins.concatStringsSep ", " rule.users} ALL=(${rule.runAs}) ${
      builtins.concatStringsSep ", " (map renderCommand rule.commands)
    }";
in
{
  options = values;
  optionDocs = docsOf optionRoot declarations;
  failedAssertions = map (assertion: assertion.message) (
    builtins.filter (assertion: !assertion.assertion) (resolved.assertions or [ ])
  );
  config = resolved;
  settings =
    if values ? configFile then builtins.fromJSON values.configFile.text else null;
  # The packages the module installs, by name, with the text of the stand-in scripts.
  packages = map (package: {
    inherit (package) name;
    text = package.text or null;
  }) (resolved.environment.systemPackages or [ ]);
  # The text of every service's ExecStartPre scripts.
  startScripts = map (script: script.text) (
    concatLists (
      map (service: service.serviceConfig.ExecStartPre or [ ]) (builtins.attrValues (resolved.systemd.services or { }))
    )
  );
  sudoers = builtins.concatStringsSep "\n" (map renderRule (resolved.security.sudo.extraRules or [ ]));
}
