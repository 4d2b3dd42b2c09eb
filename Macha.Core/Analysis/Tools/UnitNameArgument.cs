using Macha.Core.Monitoring.Parsers;

namespace Macha.Core.Analysis.Tools;

/// <summary>Reads the "unit" argument shared by unit_status and unit_logs.</summary>
internal static class UnitNameArgument
{
    public const string SchemaProperty = """
        "unit": {
          "type": "string",
          "description": "Full systemd unit name with its type suffix, such as nginx.service or var-lib.mount.",
          "minLength": 3,
          "maxLength": 255
        }
        """;

    /// <summary>Returns the unit name, or null after recording why it was rejected.</summary>
    public static string? Read(ToolArguments arguments)
    {
        var unit = arguments.RequiredString("unit");
        if (unit is null)
        {
            return null;
        }

        // systemd accepts a name that starts with '-', but a unit argument never needs one except
        // the root mount, and rejecting it keeps option-like text away from every command line.
        if ((unit.StartsWith('-') && unit != "-.mount") || !SystemdUnitName.IsValid(unit))
        {
            var missingSuffix = !unit.StartsWith('-') && !SystemdUnitName.HasUnitSuffix(unit) && SystemdUnitName.IsValid(unit + ".service");
            var hint = missingSuffix
                ? $" Add the unit type, such as '{unit}.service'."
                : " Use letters, digits and : - _ . \\ @ only, with a type suffix such as .service, and no leading '-'.";
            arguments.AddError($"Argument 'unit' is not a valid systemd unit name: '{ToolArguments.Printable(unit)}'.{hint}");
            return null;
        }

        return unit;
    }
}
