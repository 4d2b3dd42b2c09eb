namespace Macha.Web.Security;

/// <summary>The claims Macha's authentication handlers put on a principal.</summary>
public static class MachaClaims
{
    /// <summary>One claim per granted scope, with the value <see cref="MachaPolicies.Read"/> or <see cref="MachaPolicies.Operate"/>.</summary>
    public const string Scope = "macha:scope";
}
