# A small stand-in for the parts of nixpkgs' lib that module.nix and the files under nix/ use,
# so the tests can evaluate the module with Debian's nix-instantiate and no nixpkgs.
#
# It keeps the behaviour the tests rely on: mkOption and every type check the values given to them
# and throw, as NixOS does, when a value has the wrong type; mkIf and mkMerge produce the same
# markers that eval-module.nix resolves.
let
  inherit (builtins)
    all
    any
    attrNames
    concatLists
    concatStringsSep
    elem
    filter
    foldl'
    genList
    head
    isAttrs
    isBool
    isFloat
    isFunction
    isInt
    isList
    isPath
    isString
    length
    listToAttrs
    mapAttrs
    match
    replaceStrings
    stringLength
    substring
    tail
    typeOf
    ;

  showPath = path: concatStringsSep "." path;

  showValue =
    value:
    if isString value then
      "\"${value}\""
    else if isInt value || isFloat value then
      toString value
    else if isBool value then
      (if value then "true" else "false")
    else if value == null then
      "null"
    else
      "a ${typeOf value}";

  # A type whose values are plain data: merge checks the value and returns it unchanged.
  mkSimpleType =
    { name, description, check }:
    {
      _type = "option-type";
      inherit name description check;
      merge =
        path: value:
        if check value then
          value
        else
          throw "The option `${showPath path}' has the value ${showValue value}, which is not of type ${description}.";
    };

  isDerivation = value: isAttrs value && (value.type or null) == "derivation";

  # The option tree of a submodule or of the whole module, evaluated against the given values.
  # Names the tree does not declare are errors, as in NixOS.
  evalOptionTree =
    path: declarations: values:
    let
      unknown = filter (name: !(declarations ? ${name})) (attrNames values);
    in
    if !isAttrs values then
      throw "The option `${showPath path}' must be an attribute set; got ${showValue values}."
    else if unknown != [ ] then
      throw "The option `${showPath (path ++ [ (head unknown) ])}' does not exist."
    else
      mapAttrs (
        name: declaration:
        let
          optionPath = path ++ [ name ];
        in
        if isOption declaration then
          evalOption optionPath declaration (values ? ${name}) (values.${name} or null)
        else
          evalOptionTree optionPath declaration (values.${name} or { })
      ) declarations;

  evalOption =
    path: option: defined: value:
    if option.readOnly && defined then
      throw "The option `${showPath path}' is read-only, but a value was given."
    else if defined then
      option.type.merge path value
    else if option ? default then
      option.type.merge path option.default
    else
      throw "The option `${showPath path}' is used but not defined.";

  isOption = value: isAttrs value && (value._type or null) == "option";

  types = rec {
    bool = mkSimpleType {
      name = "bool";
      description = "boolean";
      check = isBool;
    };

    str = mkSimpleType {
      name = "str";
      description = "string";
      check = isString;
    };

    int = mkSimpleType {
      name = "int";
      description = "signed integer";
      check = isInt;
    };

    port = ints.between 0 65535;

    package = mkSimpleType {
      name = "package";
      description = "package";
      check = isDerivation;
    };

    strMatching =
      pattern:
      mkSimpleType {
        name = "strMatching";
        description = "string matching the pattern ${pattern}";
        check = value: isString value && match pattern value != null;
      };

    enum =
      values:
      mkSimpleType {
        name = "enum";
        description = "one of ${concatStringsSep ", " (map showValue values)}";
        check = value: elem value values;
      };

    ints = {
      between =
        lowest: highest:
        mkSimpleType {
          name = "intBetween";
          description = "integer between ${toString lowest} and ${toString highest} (both inclusive)";
          check = value: isInt value && value >= lowest && value <= highest;
        };

      unsigned = mkSimpleType {
        name = "unsignedInt";
        description = "unsigned integer, meaning >=0";
        check = value: isInt value && value >= 0;
      };

      positive = mkSimpleType {
        name = "positiveInt";
        description = "positive integer, meaning >0";
        check = value: isInt value && value > 0;
      };
    };

    nullOr = element: {
      _type = "option-type";
      name = "nullOr";
      description = "null or ${element.description}";
      check = value: value == null || element.check value;
      merge = path: value: if value == null then null else element.merge path value;
      nestedType = element;
    };

    listOf = element: {
      _type = "option-type";
      name = "listOf";
      description = "list of ${element.description}";
      check = isList;
      merge =
        path: value:
        if isList value then
          genList (index: element.merge (path ++ [ "[${toString index}]" ]) (builtins.elemAt value index)) (
            length value
          )
        else
          throw "The option `${showPath path}' has the value ${showValue value}, which is not of type list of ${element.description}.";
      nestedType = element;
    };

    attrsOf = element: {
      _type = "option-type";
      name = "attrsOf";
      description = "attribute set of ${element.description}";
      check = isAttrs;
      merge =
        path: value:
        if isAttrs value && !isDerivation value then
          mapAttrs (name: element.merge (path ++ [ name ])) value
        else
          throw "The option `${showPath path}' has the value ${showValue value}, which is not of type attribute set of ${element.description}.";
      nestedType = element;
    };

    # A submodule given as an attribute set or as a function of { name, lib, ... }; name is the
    # attribute the submodule's value sits under, as in NixOS.
    submodule = module: {
      _type = "option-type";
      name = "submodule";
      description = "submodule";
      check = isAttrs;
      declarationsFor =
        name:
        (if isFunction module then module { inherit name lib; } else module).options;
      merge =
        path: value:
        let
          name = builtins.elemAt path (length path - 1);
          declarations = (if isFunction module then module { inherit name lib; } else module).options;
        in
        evalOptionTree path declarations value;
    };

    # The value type of pkgs.formats.json: anything that has a JSON form.
    json = mkSimpleType {
      name = "json";
      description = "JSON value";
      check =
        let
          isJson =
            value:
            value == null
            || isBool value
            || isInt value
            || isFloat value
            || isString value
            || isPath value
            || (isList value && all isJson value)
            || (isAttrs value && !isDerivation value && all isJson (builtins.attrValues value));
        in
        isJson;
    };
  };

  mkOption =
    {
      type,
      description,
      default ? null,
      defaultText ? null,
      example ? null,
      readOnly ? false,
      internal ? false,
    }@arguments:
    {
      _type = "option";
      inherit
        type
        description
        readOnly
        internal
        ;
      hasExample = arguments ? example;
      hasDefault = arguments ? default;
    }
    // (if arguments ? default then { inherit default; } else { })
    // (if arguments ? example then { inherit example; } else { });

  lib = {
    inherit
      evalOptionTree
      isDerivation
      isOption
      mkOption
      showPath
      types
      ;
    inherit (builtins)
      all
      any
      attrNames
      attrValues
      concatLists
      concatMap
      concatStringsSep
      elem
      filter
      mapAttrs
      replaceStrings
      ;

    mkEnableOption =
      name:
      mkOption {
        type = types.bool;
        default = false;
        example = true;
        description = "Whether to enable ${name}.";
      };

    literalExpression = text: {
      _type = "literalExpression";
      inherit text;
    };

    mkIf = condition: content: {
      _type = "if";
      inherit condition content;
    };

    mkMerge = contents: {
      _type = "merge";
      inherit contents;
    };

    optional = condition: value: if condition then [ value ] else [ ];
    optionals = condition: values: if condition then values else [ ];
    optionalAttrs = condition: attrs: if condition then attrs else { };
    optionalString = condition: text: if condition then text else "";

    filterAttrs =
      predicate: attrs:
      listToAttrs (
        map (name: {
          inherit name;
          value = attrs.${name};
        }) (filter (name: predicate name attrs.${name}) (attrNames attrs))
      );

    mapAttrsToList = function: attrs: map (name: function name attrs.${name}) (attrNames attrs);

    mapAttrs' =
      function: attrs: listToAttrs (map (name: function name attrs.${name}) (attrNames attrs));

    nameValuePair = name: value: { inherit name value; };

    genAttrs =
      names: function:
      listToAttrs (
        map (name: {
          inherit name;
          value = function name;
        }) names
      );

    recursiveUpdate =
      left: right:
      left
      // mapAttrs (
        name: value:
        if isAttrs value && isAttrs (left.${name} or null) && !isDerivation value then
          lib.recursiveUpdate left.${name} value
        else
          value
      ) right;

    mod = dividend: divisor: dividend - divisor * (dividend / divisor);

    hasPrefix = prefix: text: substring 0 (stringLength prefix) text == prefix;

    hasInfix = infix: text: match ".*${lib.escapeRegex infix}.*" text != null;

    removePrefix =
      prefix: text:
      if lib.hasPrefix prefix text then
        substring (stringLength prefix) (stringLength text - stringLength prefix) text
      else
        text;

    splitString =
      separator: text:
      filter isString (builtins.split (lib.escapeRegex separator) text);

    # The same characters as nixpkgs' lib.strings.escapeRegex.
    escapeRegex =
      let
        special = [
          "\\"
          "["
          "{"
          "("
          ")"
          "^"
          "$"
          "?"
          "*"
          "+"
          "|"
          "."
        ];
      in
      replaceStrings special (map (character: "\\${character}") special);

    # Quotes a string for the shell, as nixpkgs' lib.escapeShellArg does.
    escapeShellArg = text: "'${replaceStrings [ "'" ] [ "'\\''" ] text}'";

    getExe =
      package:
      if package ? meta.mainProgram then
        "${package}/bin/${package.meta.mainProgram}"
      else
        throw "getExe: the package ${package.name or "?"} has no meta.mainProgram.";

    # Only what nix/package.nix uses: the listed files must exist, and the source is the root.
    fileset = {
      unions = paths: paths;
      toSource =
        { root, fileset }:
        if all builtins.pathExists fileset then
          root
        else
          throw "fileset.toSource: a listed file does not exist: ${toString (filter (path: !builtins.pathExists path) fileset)}";
    };
  };
in
lib
