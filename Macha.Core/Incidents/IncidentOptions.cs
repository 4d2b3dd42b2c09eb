using Microsoft.Extensions.Options;

namespace Macha.Core.Incidents;

/// <summary>How incidents open and close; bound from the <c>Macha:Incidents</c> section.</summary>
public sealed class IncidentOptions
{
    public const string SectionName = "Macha:Incidents";

    /// <summary>Clean cycles in a row after which an incident is resolved.</summary>
    public int ResolveAfterCleanCycles { get; set; } = 2;
}

internal sealed class IncidentOptionsValidator : IValidateOptions<IncidentOptions>
{
    public ValidateOptionsResult Validate(string? name, IncidentOptions options) =>
        options.ResolveAfterCleanCycles is < 1 or > 1000
            ? ValidateOptionsResult.Fail($"Macha:Incidents:ResolveAfterCleanCycles must be between 1 and 1000; got {options.ResolveAfterCleanCycles}.")
            : ValidateOptionsResult.Success;
}
