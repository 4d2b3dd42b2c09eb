namespace Macha.Core.Hosts;

/// <summary>Where and as whom Macha connects to one remote host.</summary>
/// <param name="Name">Inventory name, used in findings and logs.</param>
/// <param name="Address">DNS name or IP address.</param>
/// <param name="PrivateKeyFile">The only key offered to the host, so agent keys never use up its MaxAuthTries.</param>
public sealed record RemoteHost(string Name, string Address, int Port, string User, string PrivateKeyFile);
