namespace Macha.Core.Monitoring;

/// <summary>
/// One line of a <c>/proc/pressure</c> file: the share of wall time in which tasks were stalled
/// waiting for a resource, as percentages from 0 to 100 averaged over 10, 60 and 300 seconds.
/// </summary>
/// <param name="TotalMicroseconds">Stall time accumulated since boot, in microseconds.</param>
public sealed record PressureAverages(double Avg10, double Avg60, double Avg300, long TotalMicroseconds);

/// <summary>Pressure stall information of one resource.</summary>
/// <param name="Some">Time in which at least one task was stalled on the resource.</param>
/// <param name="Full">
/// Time in which all non-idle tasks were stalled at once, so no useful work was done. Null when the
/// kernel prints no "full" line, as for cpu before Linux 5.13.
/// </param>
public sealed record ResourcePressure(PressureAverages Some, PressureAverages? Full);

/// <summary>Pressure stall information (PSI) from <c>/proc/pressure</c>, which exists from Linux 4.20 on.</summary>
/// <param name="Cpu">Null when its file could not be read or parsed. The collector status contains the reason.</param>
public sealed record PressureSection(ResourcePressure? Cpu, ResourcePressure? Memory, ResourcePressure? Io);
