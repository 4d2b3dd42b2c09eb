# Builds Macha with nixpkgs' buildDotnetModule. The NuGet packages come from deps.json, which
# nix/update-deps.sh writes from the project's own restore, so the build needs no network.
{
  lib,
  buildDotnetModule,
  dotnet-sdk_10,
  dotnet-aspnetcore_10,
}:

buildDotnetModule {
  pname = "macha-autonomous";
  version = "0.1.0";

  # Only what the build reads, so editing docs or tests does not change the package's hash.
  src = lib.fileset.toSource {
    root = ../.;
    fileset = lib.fileset.unions [
      ../Directory.Build.props
      ../Directory.Packages.props
      ../global.json
      ../Macha.Core
      ../Macha.Web
    ];
  };

  projectFile = "Macha.Web/Macha.Web.csproj";
  nugetDeps = ../deps.json;

  dotnet-sdk = dotnet-sdk_10;
  # The dashboard and the API need ASP.NET Core, not only the base runtime.
  dotnet-runtime = dotnet-aspnetcore_10;

  executables = [ "macha" ];

  # A 4 MiB gen0 budget. By default the GC sizes it from the processor's cache (32 MiB of L3 on the
  # AMD EPYC of docs/benchmarks.md, where the smaller budget saved 6 to 12 MB of resident memory
  # after 200 to 1,000 health cycles) for fewer, larger gen0 collections. The .NET 10 runtime reads
  # this knob only from the environment: as `System.GC.Gen0Size` or `GCgen0size` in the runtime
  # configuration it had no effect, so `dotnet run` goes without it. --set-default lets an operator
  # override it.
  makeWrapperArgs = [
    "--set-default"
    "DOTNET_GCgen0size"
    "0x400000"
  ];

  meta = {
    description = "Self-hosted autonomous system administrator for Linux and NixOS hosts";
    mainProgram = "macha";
    platforms = [
      "x86_64-linux"
      "aarch64-linux"
    ];
  };
}
