using System.Text.Json;
using Macha.Core.Analysis.Decisions;

namespace Macha.Tests.Analysis.Decisions;

public sealed class DecisionValidatorTests
{
    private const string ValidDecision = """
        {
          "summary": "nginx.service failed after a bad configuration reload.",
          "diagnosis": "The unit exited with status 1; its log shows an unknown directive in /etc/nginx/conf.d/site.conf.",
          "confidence": 0.8,
          "root_cause_hypothesis": "A configuration change introduced an invalid directive.",
          "proposed_actions": [
            {
              "kind": "run_diagnostic",
              "diagnostic": "unit_logs",
              "unit": "nginx.service",
              "reason": "Confirm the failing directive.",
              "expected_effect": "The log lines around the failure.",
              "undo": "Read-only; nothing to undo."
            },
            {
              "kind": "restart_unit",
              "unit": "nginx.service",
              "reason": "Bring the web server back once the configuration is fixed.",
              "expected_effect": "nginx.service is active (running).",
              "undo": "Stop the unit again."
            }
          ]
        }
        """;

    [Fact]
    public void Parse_ValidDecision_ReturnsItWithoutErrors()
    {
        var (decision, errors) = DecisionValidator.Parse(ValidDecision);

        Assert.Empty(errors);
        Assert.NotNull(decision);
        Assert.Equal(0.8, decision.Confidence);
        Assert.Equal(2, decision.ProposedActions.Count);
        Assert.Equal("nginx.service", decision.ProposedActions[1].Unit);
    }

    [Theory]
    [InlineData("```json\n{0}\n```")]
    [InlineData("<think>The unit failed, so I will look at its logs.</think>\n{0}")]
    [InlineData("  \n{0}\n  ")]
    public void Parse_WrappedInFenceOrReasoning_StillReadsTheObject(string wrapper)
    {
        var (decision, errors) = DecisionValidator.Parse(wrapper.Replace("{0}", ValidDecision, StringComparison.Ordinal));

        Assert.Empty(errors);
        Assert.NotNull(decision);
    }

    [Theory]
    [InlineData("")]
    [InlineData("I think nginx is broken.")]
    [InlineData("Here is my answer: {\"summary\": \"x\"}")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    public void Parse_NotAJsonObject_ReturnsAnError(string content)
    {
        var (decision, errors) = DecisionValidator.Parse(content);

        Assert.Null(decision);
        Assert.NotEmpty(errors);
    }

    [Fact]
    public void Parse_TruncatedJson_ReportsTheSchemaMismatch()
    {
        var (decision, errors) = DecisionValidator.Parse(ValidDecision[..200] + "}");

        Assert.Null(decision);
        Assert.Contains("does not match the schema", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownTopLevelProperty_IsRejected()
    {
        var (decision, errors) = DecisionValidator.Parse(ValidDecision.Replace("\"confidence\": 0.8,", "\"confidence\": 0.8, \"risk\": \"low\",", StringComparison.Ordinal));

        Assert.Null(decision);
        Assert.Contains("risk", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"confidence\": 0.8", "\"confidence\": 1.5", "confidence must be a number from 0 to 1")]
    [InlineData("\"summary\": \"nginx.service failed after a bad configuration reload.\"", "\"summary\": \" \"", "summary is missing or empty")]
    [InlineData("\"kind\": \"restart_unit\"", "\"kind\": \"reboot_host\"", "'reboot_host' is not a known action")]
    [InlineData("\"diagnostic\": \"unit_logs\"", "\"diagnostic\": \"cat /etc/shadow\"", "diagnostic must be one of")]
    [InlineData("\"undo\": \"Stop the unit again.\"", "\"undo\": \"\"", "proposed_actions[1].undo is missing or empty")]
    public void Parse_OneInvalidValue_NamesTheField(string valid, string invalid, string expectedError)
    {
        var (decision, errors) = DecisionValidator.Parse(ValidDecision.Replace(valid, invalid, StringComparison.Ordinal));

        Assert.Null(decision);
        Assert.Contains(errors, error => error.Contains(expectedError, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("nginx.service", true)]
    [InlineData("backup@nightly\\x2ddb.service", true)]
    [InlineData("-.mount", true)]
    [InlineData("nginx", false)]
    [InlineData("nginx; rm -rf /", false)]
    [InlineData("--all", false)]
    [InlineData("", false)]
    public void Validate_RestartUnitName_AcceptsOnlySystemdUnitNames(string unit, bool valid)
    {
        var decision = Baseline() with { ProposedActions = [Action("restart_unit") with { Unit = unit }] };

        var errors = DecisionValidator.Validate(decision);

        Assert.Equal(valid, errors.Count == 0);
    }

    [Fact]
    public void Validate_ArgumentOfAnotherKind_IsRejected()
    {
        var decision = Baseline() with { ProposedActions = [Action("vacuum_journal") with { JournalMaxSize = "500M", Unit = "nginx.service" }] };

        var errors = DecisionValidator.Validate(decision);

        Assert.Contains("proposed_actions[0].unit does not belong to vacuum_journal; remove it.", errors);
    }

    [Theory]
    [InlineData("500M", true)]
    [InlineData("2G", true)]
    [InlineData("0M", false)]
    [InlineData("500", false)]
    [InlineData("500M; rm -rf /", false)]
    public void Validate_JournalSize_AcceptsOnlySizes(string size, bool valid)
    {
        var decision = Baseline() with { ProposedActions = [Action("vacuum_journal") with { JournalMaxSize = size }] };

        var errors = DecisionValidator.Validate(decision);

        Assert.Equal(valid, errors.Count == 0);
    }

    [Theory]
    [InlineData("/etc/nixos#web-1", true)]
    [InlineData("git+https://git.example.org/infra?ref=main#web-1", true)]
    [InlineData("/etc/nixos", false)]
    [InlineData("/etc/nixos#web-1 --option substituters x", false)]
    [InlineData("$(reboot)#web-1", false)]
    public void Validate_FlakeReference_AcceptsOnlyPlainReferences(string flakeRef, bool valid)
    {
        var decision = Baseline() with { ProposedActions = [Action("rebuild_nixos") with { FlakeRef = flakeRef }] };

        var errors = DecisionValidator.Validate(decision);

        Assert.Equal(valid, errors.Count == 0);
    }

    [Fact]
    public void Validate_TooManyActions_IsRejected()
    {
        var decision = Baseline() with { ProposedActions = Enumerable.Repeat(Action("rollback_nixos"), 6).ToList() };

        var errors = DecisionValidator.Validate(decision);

        Assert.Contains(errors, error => error.Contains("propose at most 5", StringComparison.Ordinal));
    }

    [Fact]
    public void Schema_Always_ListsEveryActionKindAndRequiredField()
    {
        var schema = DecisionSchema.Schema;

        var kinds = schema.GetProperty("properties").GetProperty("proposed_actions").GetProperty("items")
            .GetProperty("properties").GetProperty("kind").GetProperty("enum").EnumerateArray().Select(e => e.GetString());
        Assert.Equal(ActionKinds.All, kinds);
        var required = schema.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("proposed_actions", required);
        Assert.False(schema.GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public void Schema_ValidDecision_RoundTripsThroughSerialization()
    {
        var (decision, _) = DecisionValidator.Parse(ValidDecision);

        var json = JsonSerializer.Serialize(decision);
        var (again, errors) = DecisionValidator.Parse(json);

        Assert.Empty(errors);
        Assert.Equal(decision!.Summary, again!.Summary);
    }

    private static AnalysisDecision Baseline() => new()
    {
        Summary = "Disk nearly full.",
        Diagnosis = "The journal uses 40 GiB.",
        Confidence = 0.7,
        RootCauseHypothesis = "No journal size limit.",
        ProposedActions = [],
    };

    private static ProposedAction Action(string kind) => new()
    {
        Kind = kind,
        Reason = "Free space.",
        ExpectedEffect = "More free space.",
        Undo = "Nothing to undo.",
    };
}
