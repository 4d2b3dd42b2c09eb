#!/usr/bin/env bash
# Writes deps.json, the NuGet lock file of the Nix package (nix/package.nix), from the solution's
# own restore: every package with its SRI SHA-256 hash, sorted, so the same restore always gives the
# same file. Run it after adding, removing or upgrading a NuGet package:
#
#   nix/update-deps.sh
#
# It restores into a temporary copy of the repository, so the working tree's obj/ directories and
# the global NuGet folder stay as they are. Packages are downloaded from the configured NuGet sources
# (or taken from NuGet's HTTP cache). Needs the .NET SDK, tar, openssl and base64.
set -euo pipefail
export LC_ALL=C DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tar -C "$root" --exclude=.git --exclude=bin --exclude=obj --exclude=node_modules -cf - . | tar -C "$work" -xf -

# nixpkgs restores for the build machine's runtime identifier, which can pull in packages that a
# restore without one does not, so the lock file covers both Linux platforms the flake builds for.
for runtime in "" linux-x64 linux-arm64; do
  echo "Restoring Macha.sln${runtime:+ for $runtime}" >&2
  dotnet restore "$work/Macha.sln" --packages "$work/packages" ${runtime:+--runtime "$runtime"} >&2
done

# The .NET SDK in nixpkgs brings its own runtime, host and compiler packs, matched to its version;
# listing them here would pin packs of another patch release.
is_sdk_pack() {
  [[ $1 =~ ^(microsoft\.netcore\.app|microsoft\.aspnetcore\.app)\.(runtime|host|crossgen2)\. ||
    $1 =~ ^(microsoft\.dotnet\.ilcompiler|runtime\.[a-z0-9-]+\.microsoft\.dotnet\.ilcompiler) ]]
}

entries=()
for directory in "$work"/packages/*/*/; do
  directory=${directory%/}
  version=$(basename "$directory")
  lower_id=$(basename "$(dirname "$directory")")
  if is_sdk_pack "$lower_id"; then
    continue
  fi

  nupkg="$directory/$lower_id.$version.nupkg"
  nuspec="$directory/$lower_id.nuspec"
  if [[ ! -f $nupkg || ! -f $nuspec ]]; then
    echo "update-deps: $directory has no $lower_id.$version.nupkg or .nuspec; the restore is incomplete." >&2
    exit 1
  fi

  # The id as the package spells it, which is how nixpkgs names the package it fetches.
  id=$(sed -n 's:.*<id>\([^<]*\)</id>.*:\1:p' "$nuspec" | head -n 1)
  hash="sha256-$(openssl dgst -sha256 -binary "$nupkg" | base64 -w 0)"
  entries+=("$lower_id	$version	$id	$hash")
done

{
  echo "["
  separator=""
  while IFS=$'\t' read -r _ version id hash; do
    printf '%s  {\n    "pname": "%s",\n    "version": "%s",\n    "hash": "%s"\n  }' "$separator" "$id" "$version" "$hash"
    separator=$',\n'
  done < <(printf '%s\n' "${entries[@]}" | sort -t $'\t' -k1,1 -k2,2V)
  printf '\n]\n'
} >"$root/deps.json.tmp"
mv "$root/deps.json.tmp" "$root/deps.json"
echo "Wrote $root/deps.json with ${#entries[@]} packages." >&2
