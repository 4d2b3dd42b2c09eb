using System.Globalization;
using Microsoft.AspNetCore.Components;

namespace Macha.Web.Components.Controls;

/// <summary>One timed value of a chart; null where the collector gave none.</summary>
public readonly record struct ChartPoint(DateTimeOffset At, double? Value);

public sealed partial class MetricChart
{
    private const double Width = 600;
    private const double Height = 120;
    private static readonly double[] GridLines = [0.25, 0.5, 0.75, 1.0];

    private readonly List<List<(double X, double Y)>> _segments = [];
    private double _max = 1;

    /// <summary>A short identifier for tests and styles, such as "cpu".</summary>
    [Parameter, EditorRequired]
    public string Name { get; set; } = "";

    [Parameter, EditorRequired]
    public string Title { get; set; } = "";

    [Parameter, EditorRequired]
    public IReadOnlyList<ChartPoint> Points { get; set; } = [];

    [Parameter, EditorRequired]
    public DateTimeOffset From { get; set; }

    [Parameter, EditorRequired]
    public DateTimeOffset To { get; set; }

    /// <summary>The top of the scale, such as 100 for a percentage; null scales to the largest value.</summary>
    [Parameter]
    public double? FixedMax { get; set; }

    [Parameter]
    public string Unit { get; set; } = "";

    /// <summary>A gap longer than this between two points breaks the line, so missing data is not drawn as a slope.</summary>
    [Parameter]
    public TimeSpan MaxGap { get; set; } = TimeSpan.FromMinutes(20);

    private string LatestText => Points.LastOrDefault(p => p.Value is not null) is { Value: { } latest }
        ? $"latest {Number(latest)}{Unit}"
        : "";

    protected override void OnParametersSet()
    {
        _segments.Clear();
        var present = Points.Where(p => p.Value is not null).ToList();
        _max = FixedMax ?? Math.Max(present.Count == 0 ? 1 : present.Max(p => p.Value!.Value) * 1.1, 0.1);
        var span = Math.Max(1, (To - From).Ticks);
        List<(double X, double Y)>? current = null;
        DateTimeOffset? previous = null;
        foreach (var point in Points)
        {
            if (point.Value is not { } value)
            {
                current = null;
                continue;
            }

            if (current is null || (previous is { } last && point.At - last > MaxGap))
            {
                current = [];
                _segments.Add(current);
            }

            var x = Width * Math.Clamp((point.At - From).Ticks / (double)span, 0, 1);
            current.Add((x, Y(Math.Min(value, _max))));
            previous = point.At;
        }
    }

    private double Y(double value) => Height - (Height * value / _max);

    private static string AxisLabel(DateTimeOffset time) =>
        time.UtcDateTime.ToString("MMM d HH:mm 'UTC'", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString(value >= 10 ? "0" : "0.##", CultureInfo.InvariantCulture);

    private static string Svg(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
