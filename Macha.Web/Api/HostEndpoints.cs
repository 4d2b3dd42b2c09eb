using System.Security.Claims;
using Macha.Core.Actions;
using Macha.Core.Hosts;
using Macha.Web.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Macha.Web.Api;

internal static class HostEndpoints
{
    private const string Tag = "Hosts";

    public static RouteGroupBuilder MapHostEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/hosts", ListHosts)
            .WithTags(Tag)
            .WithName("ListHosts")
            .WithSummary("List the hosts Macha knows: this machine, configured, added and discovered hosts")
            .WithDescription("Each host has its status, last contact, operating system, trust state and pinned host keys. "
                + "Discovered hosts have trustState Discovered and are never visited until a person confirms them.");
        api.MapGet("/hosts/{name}", GetHost)
            .WithTags(Tag)
            .WithName("GetHost")
            .WithSummary("Get one host by name")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/hosts", AddHostAsync)
            .WithTags(Tag)
            .RequireAuthorization(MachaPolicies.Operate)
            .WithName("AddHost")
            .WithSummary("Add a remote host that Macha reaches over SSH")
            .WithDescription("The host is trusted at once and visited from the next cycle on. Without hostKeyFingerprints its first "
                + "connection is refused, unless Macha:Hosts:TrustOnFirstUse is on; confirm the key it presented afterwards. "
                + "409 when a host with that name exists; hosts from the configuration cannot be changed here.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapPost("/hosts/{name}/confirm", ConfirmHostAsync)
            .WithTags(Tag)
            .RequireAuthorization(MachaPolicies.Operate)
            .WithName("ConfirmHost")
            .WithSummary("Confirm a discovered host, or the key a host presented, and pin that key")
            .WithDescription("A discovered host becomes trusted; the fingerprint, when given, is pinned, and address, port, user and "
                + "privateKeyFile, when given, replace the defaults it was discovered with (checked as in POST /api/hosts). "
                + "A trusted host that has no pinned key and has not presented a key yet takes the same fields, to correct them. "
                + "A host whose key changed, or whose key was refused because none was pinned, needs the fingerprint it presented, "
                + "exactly, and takes no connection settings. The body is optional. 400 names the invalid field; "
                + "409 when there is nothing to confirm.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static Ok<List<HostResponse>> ListHosts(HostRegistry registry) =>
        TypedResults.Ok(registry.List().Select(HostResponse.From).ToList());

    private static Results<Ok<HostResponse>, ProblemHttpResult> GetHost(HostRegistry registry, string name) =>
        registry.Find(name) is { } record
            ? TypedResults.Ok(HostResponse.From(record))
            : Problems.NotFound($"No host is named '{name}'; GET /api/hosts lists the hosts Macha knows.");

    private static async Task<Results<Created<HostResponse>, ValidationProblem, ProblemHttpResult>> AddHostAsync(
        HostRegistry registry, IOptions<HostsOptions> options, AddHostRequest? body, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return Problems.Invalid("The request body must be a JSON object with at least name and privateKeyFile (or Macha:Hosts:DefaultPrivateKeyFile set).");
        }

        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        AutonomyLevel? level = null;
        if (!string.IsNullOrWhiteSpace(body.AutonomyLevel))
        {
            // Names only: Enum.TryParse would also take numbers.
            if (Enum.GetNames<AutonomyLevel>().FirstOrDefault(n => string.Equals(n, body.AutonomyLevel, StringComparison.OrdinalIgnoreCase)) is { } levelName)
            {
                level = Enum.Parse<AutonomyLevel>(levelName);
            }
            else
            {
                AddError(errors, "autonomyLevel", $"autonomyLevel '{body.AutonomyLevel}' is not one of {string.Join(", ", Enum.GetNames<AutonomyLevel>())}.");
            }
        }

        var definition = new HostDefinition(
            TrimSpaces(body.Name) ?? string.Empty,
            TrimSpaces(body.Address),
            body.Port,
            TrimSpaces(body.User),
            TrimSpaces(body.PrivateKeyFile),
            body.HostKeyFingerprints,
            body.Tags?.Select(tag => tag.Trim()).ToList(),
            level);
        foreach (var error in HostDefinitionValidator.ValidateFields(definition, options.Value))
        {
            AddError(errors, JsonName(error.Field), error.Message);
        }

        var keyFile = string.IsNullOrWhiteSpace(definition.PrivateKeyFile) ? options.Value.DefaultPrivateKeyFile : definition.PrivateKeyFile;
        if (!errors.ContainsKey("privateKeyFile") && !File.Exists(keyFile))
        {
            AddError(errors, "privateKeyFile", $"PrivateKeyFile '{keyFile}' does not exist or Macha cannot see it; create the key first and give its absolute path.");
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), title: "Invalid host");
        }

        var result = await registry.AddAsync(definition, AutonomyEndpoints.ActorOf(user), cancellationToken);
        return result.Status switch
        {
            HostChangeStatus.Succeeded => TypedResults.Created($"/api/hosts/{Uri.EscapeDataString(result.Host!.Name)}", HostResponse.From(result.Host)),
            HostChangeStatus.Conflict => Conflict(result.Error!),
            _ => Problems.Invalid(result.Error ?? "The host definition is invalid."),
        };
    }

    private static async Task<Results<Ok<HostResponse>, ValidationProblem, ProblemHttpResult>> ConfirmHostAsync(
        HostRegistry registry, string name, ConfirmHostRequest? body, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var confirmation = new HostConfirmation(
            body?.Fingerprint?.Trim(), TrimSpaces(body?.Address), body?.Port, TrimSpaces(body?.User), TrimSpaces(body?.PrivateKeyFile));
        var result = await registry.ConfirmAsync(name, confirmation, AutonomyEndpoints.ActorOf(user), cancellationToken);
        return result.Status switch
        {
            HostChangeStatus.Succeeded => TypedResults.Ok(HostResponse.From(result.Host!)),
            HostChangeStatus.NotFound => Problems.NotFound($"No host is named '{name}'; GET /api/hosts lists the hosts Macha knows."),
            HostChangeStatus.Conflict => Conflict(result.Error!),
            _ when result.FieldErrors is { Count: > 0 } fieldErrors => TypedResults.ValidationProblem(
                fieldErrors.GroupBy(error => JsonName(error.Field)).ToDictionary(group => group.Key, group => group.Select(error => error.Message).ToArray()),
                detail: result.Error,
                title: "Invalid confirmation"),
            _ => Problems.Invalid(result.Error ?? "The confirmation is invalid."),
        };
    }

    private static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    private static void AddError(Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var messages))
        {
            errors[field] = messages = [];
        }

        messages.Add(message);
    }

    // Only spaces are forgiven: a newline or tab left in a connection setting reaches the validator,
    // which rejects it, as Macha:Hosts:Remote values are rejected.
    private static string? TrimSpaces(string? value) => value?.Trim(' ');

    // The validator names HostDefinition properties; the request body uses camel case.
    private static string JsonName(string field) => char.ToLowerInvariant(field[0]) + field[1..];
}

/// <summary>The body of POST /api/hosts. Empty fields take the Macha:Hosts defaults.</summary>
/// <param name="Address">DNS name or IP address; empty means the name.</param>
/// <param name="Port">SSH port; empty means 22.</param>
/// <param name="PrivateKeyFile">Absolute path of the private key offered to this host only.</param>
/// <param name="HostKeyFingerprints">Accepted host keys as <c>ssh-keygen -lf</c> prints them (SHA256:…).</param>
/// <param name="AutonomyLevel">Observe, Suggest, AutoSafe or AutoFull; empty means Macha:Actions:AutonomyLevel.</param>
public sealed record AddHostRequest(
    string? Name,
    string? Address,
    int? Port,
    string? User,
    string? PrivateKeyFile,
    IReadOnlyList<string>? HostKeyFingerprints,
    IReadOnlyList<string>? Tags,
    string? AutonomyLevel);

/// <summary>The optional body of POST /api/hosts/{name}/confirm. Empty fields keep the host's current value.</summary>
/// <param name="Fingerprint">The SHA-256 fingerprint to pin; required when the host's key changed or was refused.</param>
/// <param name="Address">DNS name or IP address to connect to; discovered hosts and hosts that have not presented a key only.</param>
/// <param name="Port">SSH port, as a JSON number or a numeric string; discovered hosts and hosts that have not presented a key only.</param>
/// <param name="User">Login user; discovered hosts and hosts that have not presented a key only.</param>
/// <param name="PrivateKeyFile">Absolute path of an existing private key offered to this host only; discovered hosts and hosts that have not presented a key only.</param>
public sealed record ConfirmHostRequest(
    string? Fingerprint,
    string? Address = null,
    int? Port = null,
    string? User = null,
    string? PrivateKeyFile = null);

/// <summary>The operating system a host reported in /etc/os-release.</summary>
public sealed record HostOsResponse(string? Family, string? Name, string? Version);

/// <summary>One host as the API returns it.</summary>
/// <param name="ReadOnly">True for this machine and for hosts from the configuration, which the API cannot change.</param>
/// <param name="NeedsConfirmation">True when POST /api/hosts/{name}/confirm has something to confirm.</param>
/// <param name="PresentedKey">Algorithm and fingerprint of the key the host presented last.</param>
/// <param name="Failure">Why the host is not online, as a failure kind such as ConnectionRefused or HostKeyMismatch.</param>
/// <param name="LastContactAt">When a cycle last reached the host.</param>
public sealed record HostResponse(
    string Name,
    HostSource Source,
    HostTrustState TrustState,
    bool Trusted,
    bool ReadOnly,
    bool NeedsConfirmation,
    string Address,
    int Port,
    string User,
    string PrivateKeyFile,
    IReadOnlyList<string> Tags,
    string? AutonomyLevel,
    IReadOnlyList<string> PinnedKeys,
    DateTimeOffset? KeysPinnedAt,
    string? PresentedKey,
    HostStatus Status,
    string? Failure,
    string? StatusDetail,
    DateTimeOffset? LastContactAt,
    DateTimeOffset? LastCheckedAt,
    HostOsResponse? Os,
    DateTimeOffset AddedAt,
    DateTimeOffset? ConfirmedAt,
    string? ConfirmedBy)
{
    public static HostResponse From(HostRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var os = record.OsFamily is null && record.OsName is null ? null : new HostOsResponse(record.OsFamily, record.OsName, record.OsVersion);
        return new HostResponse(
            record.Name,
            record.Source,
            HostTrust.StateOf(record),
            record.Trusted,
            HostTrust.IsReadOnly(record),
            HostTrust.NeedsConfirmation(record),
            record.Address,
            record.Port,
            record.User,
            record.PrivateKeyFile,
            HostTrust.Tags(record),
            record.AutonomyLevel,
            HostTrust.PinnedKeys(record),
            record.KeysPinnedAt,
            record.PresentedKey,
            record.Status,
            record.Failure,
            record.StatusDetail,
            record.LastContactAt,
            record.LastCheckedAt,
            os,
            record.AddedAt,
            record.ConfirmedAt,
            record.ConfirmedBy);
    }
}
