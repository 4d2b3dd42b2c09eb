using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Macha.Core.Configuration;
using Macha.Core.Storage.Audit;
using Microsoft.Extensions.Options;

namespace Macha.Web.Components;

/// <summary>One configuration key as the Settings page shows it.</summary>
/// <param name="Value">The value, or <see cref="EffectiveConfiguration.Masked"/> for a secret.</param>
/// <param name="IsSet">True when configuration sets the key; false when the value is the default.</param>
public sealed record SettingRow(string Key, string Value, bool IsSet, bool IsSecret);

/// <summary>
/// Builds the read-only list of settings: every options class with a <c>SectionName</c> constant,
/// read as the app uses it (defaults included), plus any other configured key under <c>Macha</c>
/// or <c>Kestrel</c>. Secret values never leave this class.
/// </summary>
internal static class EffectiveConfiguration
{
    public const string Masked = "•••••• (hidden)";

    // Key names that end in one of these words hold secrets, whatever the subsystem.
    private static readonly string[] SecretSuffixes = ["Token", "Tokens", "Password", "Secret", "Key", "Keys", "Credentials", "Contents", "Hash"];

    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static IReadOnlyList<SettingRow> Build(IServiceProvider services, IConfiguration configuration, SecretRedactor redactor)
    {
        var rows = new Dictionary<string, SettingRow>(StringComparer.OrdinalIgnoreCase);
        foreach (var (sectionName, options) in OptionsValues(services))
        {
            var element = JsonSerializer.SerializeToElement(options, options.GetType(), SerializerOptions);
            Flatten(sectionName, element, rows, configuration, redactor);
        }

        foreach (var root in new[] { MachaOptions.SectionName, "Kestrel" })
        {
            foreach (var (key, value) in configuration.GetSection(root).AsEnumerable())
            {
                if (value is not null && !rows.ContainsKey(key))
                {
                    rows[key] = Row(key, value, isSet: true, redactor);
                }
            }
        }

        return rows.Values.OrderBy(r => r.Key, StringComparer.OrdinalIgnoreCase).ToList();
    }

    /// <summary>Whether a key's last segment names a secret, by its suffix or by the audit redactor's word list.</summary>
    public static bool IsSecretKey(string key)
    {
        var name = key[(key.LastIndexOf(':') + 1)..];
        if (int.TryParse(name, out _))
        {
            // An array element such as Tokens:0 takes its name from the array.
            var parent = key[..Math.Max(0, key.LastIndexOf(':'))];
            name = parent[(parent.LastIndexOf(':') + 1)..];
        }

        return SecretSuffixes.Any(suffix => name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            || SecretRedactor.IsSecretName(name);
    }

    private static IEnumerable<(string SectionName, object Options)> OptionsValues(IServiceProvider services)
    {
        var optionTypes = new[] { typeof(MachaOptions).Assembly, typeof(EffectiveConfiguration).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .Where(type => type is { IsClass: true, IsAbstract: false } && type.Name.EndsWith("Options", StringComparison.Ordinal))
            .Select(type => (Type: type, Field: type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)))
            .Where(t => t.Field is { IsLiteral: true } && t.Field.FieldType == typeof(string));
        foreach (var (type, field) in optionTypes)
        {
            // Only options the app registered, because an options class that is never bound has no effective value.
            var monitorType = typeof(IOptionsMonitor<>).MakeGenericType(type);
            if (services.GetService(monitorType) is not { } monitor)
            {
                continue;
            }

            object? value;
            try
            {
                value = monitorType.GetProperty(nameof(IOptionsMonitor<object>.CurrentValue))!.GetValue(monitor);
            }
            catch (TargetInvocationException)
            {
                // Invalid options stop Macha at start, so this is an options class that is not Macha's to validate.
                continue;
            }

            if (value is not null)
            {
                yield return ((string)field!.GetRawConstantValue()!, value);
            }
        }
    }

    private static void Flatten(string key, JsonElement element, Dictionary<string, SettingRow> rows, IConfiguration configuration, SecretRedactor redactor)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten($"{key}:{property.Name}", property.Value, rows, configuration, redactor);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Flatten($"{key}:{index++}", item, rows, configuration, redactor);
                }

                if (index == 0)
                {
                    rows.TryAdd(key, Row(key, "(empty)", configuration.GetSection(key).Exists(), redactor));
                }

                break;
            default:
                var text = element.ValueKind switch
                {
                    JsonValueKind.String => element.GetString() ?? "",
                    JsonValueKind.Null => "(not set)",
                    _ => element.GetRawText(),
                };
                rows.TryAdd(key, Row(key, text, configuration[key] is not null, redactor));
                break;
        }
    }

    private static SettingRow Row(string key, string value, bool isSet, SecretRedactor redactor)
    {
        if (IsSecretKey(key))
        {
            return new SettingRow(key, value is "" or "(not set)" ? "(not set)" : Masked, isSet, IsSecret: true);
        }

        // A secret inside an ordinary value, such as a password in a URL, is still masked.
        return new SettingRow(key, redactor.Redact(value), isSet, IsSecret: false);
    }
}
