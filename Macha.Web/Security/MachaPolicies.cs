namespace Macha.Web.Security;

/// <summary>
/// The authorization policies of the API and the dashboard. Read lets a caller see everything, and
/// Operate also lets it change something (approve, reject, pause, resume, run a check). Operate
/// implies Read.
/// </summary>
public static class MachaPolicies
{
    public const string Read = "read";
    public const string Operate = "operate";
}
