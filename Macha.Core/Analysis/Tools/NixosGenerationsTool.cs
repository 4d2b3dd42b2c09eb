using System.Text.Json;
using Macha.Core.Analysis.MapReduce;
using Macha.Core.Hosts;
using Macha.Core.Monitoring.Collectors;

namespace Macha.Core.Analysis.Tools;

/// <summary>
/// Lists the NixOS system generations with <c>nix-env --list-generations</c>, or, where nix-env is
/// missing, with a listing of the profiles directory.
/// </summary>
internal sealed class NixosGenerationsTool : IAnalysisTool
{
    private static readonly JsonElement Schema = ToolSchema.Parse("""
        {
          "type": "object",
          "properties": {},
          "additionalProperties": false
        }
        """);

    private readonly ToolOutputBudget _budget;

    public NixosGenerationsTool(LargeOutputCache? cache = null)
    {
        _budget = new ToolOutputBudget(cache);
    }

    public string Name => "nixos_generations";

    public string Description =>
        "Lists the NixOS system generations with their creation times and which one is current. "
        + "Use it before suggesting a rollback. Fails on hosts that are not NixOS.";

    public JsonElement ParameterSchema => Schema;

    public async Task<ToolOutput> InvokeAsync(ToolInvocation invocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        cancellationToken.ThrowIfCancellationRequested();

        var arguments = ToolArguments.Read(Name, invocation.Arguments);
        if (!arguments.IsValid)
        {
            return arguments.ToInvalidOutput(Name);
        }

        var shell = invocation.Shell;
        var request = ToolCommands.Create("nix-env", "--list-generations", "-p", NixosCollector.SystemProfilePath);
        var result = await shell.RunAsync(request, cancellationToken);
        if (result.Status == CommandStatus.NotFound)
        {
            // The profile links themselves carry the generation numbers and their creation times.
            request = ToolCommands.Create("ls", "-l", "--time-style=long-iso", "--", NixosCollector.ProfilesDirectory);
            result = await shell.RunAsync(request, cancellationToken);
        }

        if (!result.Succeeded)
        {
            return ToolCommands.Failed(shell, request, result);
        }

        var text = "$ " + request.DisplayText + "\n" + ToolOutputBudget.Sanitize(result.StandardOutput);
        return await _budget.FitAsync(text, ToolOutputBudget.SizeOf(result), $"nixos_generations on {shell.HostName}", cancellationToken);
    }
}
