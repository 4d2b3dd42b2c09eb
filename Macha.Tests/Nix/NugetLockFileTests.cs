using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Macha.Tests.Nix;

/// <summary>
/// Checks deps.json, the NuGet lock file nix/package.nix builds from, against what the solution's
/// projects restored: a package added or upgraded without running nix/update-deps.sh fails here.
/// </summary>
public sealed partial class NugetLockFileTests
{
    private const string Regenerate = "run nix/update-deps.sh and commit deps.json";

    [Fact]
    public void LockFile_ListsEveryRestoredPackage()
    {
        var locked = ReadLockFile();
        var missing = new List<string>();

        foreach (var (project, package) in RestoredPackages())
        {
            if (!locked.ContainsKey(Key(package.Name, package.Version)))
            {
                missing.Add($"{package.Name} {package.Version} (restored for {project})");
            }
        }

        Assert.True(missing.Count == 0, $"deps.json lacks {string.Join(", ", missing)}; {Regenerate}.");
    }

    [Fact]
    public void LockFile_HashesMatchTheRestoredPackages()
    {
        var locked = ReadLockFile();
        var mismatched = new List<string>();

        foreach (var (_, package) in RestoredPackages().DistinctBy(entry => Key(entry.Package.Name, entry.Package.Version)))
        {
            if (!locked.TryGetValue(Key(package.Name, package.Version), out var entry))
            {
                continue;
            }

            var hash = "sha256-" + Convert.ToBase64String(SHA256.HashData(File.ReadAllBytes(package.NupkgPath)));
            if (hash != entry.Hash)
            {
                mismatched.Add($"{package.Name} {package.Version}: deps.json has {entry.Hash}, the restored .nupkg has {hash}");
            }
        }

        Assert.True(mismatched.Count == 0, $"{string.Join("; ", mismatched)}; {Regenerate}.");
    }

    [Fact]
    public void LockFile_IsSortedAndWellFormed()
    {
        var entries = ReadLockFile().Values.ToList();

        Assert.NotEmpty(entries);
        Assert.All(entries, entry => Assert.Matches(SriSha256(), entry.Hash));
        var keys = entries.Select(entry => (entry.Name.ToLowerInvariant(), entry.Version)).ToList();
        Assert.Equal(keys.Distinct().Count(), keys.Count);
    }

    private static Dictionary<string, LockedPackage> ReadLockFile()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(NixEvaluator.RepositoryRoot, "deps.json")));
        var entries = new Dictionary<string, LockedPackage>(StringComparer.Ordinal);
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            var package = new LockedPackage(
                entry.GetProperty("pname").GetString()!, entry.GetProperty("version").GetString()!, entry.GetProperty("hash").GetString()!);
            entries.Add(Key(package.Name, package.Version), package);
        }

        return entries;
    }

    // Every package in each project's obj/project.assets.json, which the build of this test wrote.
    private static IEnumerable<(string Project, RestoredPackage Package)> RestoredPackages()
    {
        var root = NixEvaluator.RepositoryRoot;
        var solution = File.ReadAllText(Path.Combine(root, "Macha.sln"));
        var projects = ProjectPath().Matches(solution).Select(match => match.Groups["path"].Value.Replace('\\', '/')).ToList();
        Assert.NotEmpty(projects);

        foreach (var project in projects)
        {
            var assets = Path.Combine(root, Path.GetDirectoryName(project)!, "obj", "project.assets.json");
            Assert.True(File.Exists(assets), $"{assets} is missing; restore the solution first (dotnet restore Macha.sln).");
            using var document = JsonDocument.Parse(File.ReadAllText(assets));
            var folders = document.RootElement.GetProperty("packageFolders").EnumerateObject().Select(folder => folder.Name).ToList();

            foreach (var library in document.RootElement.GetProperty("libraries").EnumerateObject())
            {
                if (library.Value.GetProperty("type").GetString() != "package")
                {
                    continue;
                }

                var (name, version) = (library.Name[..library.Name.IndexOf('/')], library.Name[(library.Name.IndexOf('/') + 1)..]);
                var relative = library.Value.GetProperty("path").GetString()!;
                var fileName = $"{name.ToLowerInvariant()}.{version.ToLowerInvariant()}.nupkg";
                var nupkg = folders.Select(folder => Path.Combine(folder, relative, fileName)).FirstOrDefault(File.Exists)
                    ?? throw new FileNotFoundException($"{fileName} is in none of {string.Join(", ", folders)}; restore the solution first.");
                yield return (project, new RestoredPackage(name, version, nupkg));
            }
        }
    }

    private static string Key(string name, string version) => $"{name.ToLowerInvariant()}/{version.ToLowerInvariant()}";

    [GeneratedRegex(@"^Project\(""\{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC\}""\) = ""[^""]+"", ""(?<path>[^""]+\.csproj)""", RegexOptions.Multiline)]
    private static partial Regex ProjectPath();

    [GeneratedRegex(@"^sha256-[A-Za-z0-9+/]{43}=$")]
    private static partial Regex SriSha256();

    private sealed record LockedPackage(string Name, string Version, string Hash);

    private sealed record RestoredPackage(string Name, string Version, string NupkgPath);
}
