namespace Macha.Core.Hosts;

/// <summary>The hosts a health cycle visits, each with the shell that reaches it.</summary>
public interface IHostInventory
{
    IReadOnlyList<IHostShell> GetHosts();
}

/// <summary>The inventory of a single-host install: only the machine Macha runs on.</summary>
internal sealed class LocalHostInventory(LocalProcessShell localShell) : IHostInventory
{
    private readonly IHostShell[] _hosts = [localShell];

    public IReadOnlyList<IHostShell> GetHosts() => _hosts;
}
