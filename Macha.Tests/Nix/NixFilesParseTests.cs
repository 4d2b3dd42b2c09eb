namespace Macha.Tests.Nix;

public sealed class NixFilesParseTests
{
    public static TheoryData<string> NixFiles() => new(RepositoryNixFiles());

    [Theory]
    [MemberData(nameof(NixFiles))]
    public async Task Parse_RepositoryNixFile_Succeeds(string file)
    {
        var output = await NixEvaluator.ParseAsync(Path.Combine(NixEvaluator.RepositoryRoot, file));

        Assert.True(output.ExitCode == 0, $"nix-instantiate --parse {file} failed: {output.StandardError}");
    }

    [Fact]
    public void NixDirectory_HoldsTheFlakesFiles()
    {
        var files = RepositoryNixFiles();

        Assert.Contains(Path.Combine("nix", "package.nix"), files);
        Assert.Contains(Path.Combine("nix", "vm-test.nix"), files);
        Assert.Contains(Path.Combine("nix", "remote-host.nix"), files);
        Assert.Contains(Path.Combine("nix", "sudo-rules.nix"), files);
    }

    private static List<string> RepositoryNixFiles()
    {
        var root = NixEvaluator.RepositoryRoot;
        var nixDirectory = Directory.GetFiles(Path.Combine(root, "nix"), "*.nix").Order(StringComparer.Ordinal);
        return ["flake.nix", "module.nix", .. nixDirectory.Select(path => Path.GetRelativePath(root, path))];
    }
}
