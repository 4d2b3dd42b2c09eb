using Macha.Core.Analysis;
using Macha.Core.Incidents;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Macha.Core.Storage;

public sealed class MachaDbContext(DbContextOptions<MachaDbContext> options) : DbContext(options)
{
    public DbSet<CycleRunRecord> CycleRuns => Set<CycleRunRecord>();

    public DbSet<SnapshotRecord> Snapshots => Set<SnapshotRecord>();

    public DbSet<FindingRecord> Findings => Set<FindingRecord>();

    public DbSet<IncidentRecord> Incidents => Set<IncidentRecord>();

    public DbSet<AnalysisRecord> Analyses => Set<AnalysisRecord>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);

        // SQLite has no date type, and EF's default text form cannot be compared in queries. UTC
        // ticks sort and compare correctly; values read back carry a zero offset.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
        configurationBuilder.Properties<CycleTrigger>().HaveConversion<string>();
        configurationBuilder.Properties<CycleState>().HaveConversion<string>();
        configurationBuilder.Properties<IncidentState>().HaveConversion<string>();
        configurationBuilder.Properties<IncidentChangeKind>().HaveConversion<string>();
        configurationBuilder.Properties<AnalysisState>().HaveConversion<string>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<CycleRunRecord>(run =>
        {
            run.ToTable("CycleRuns");
            run.HasIndex(r => r.RequestedAt);
        });

        modelBuilder.Entity<SnapshotRecord>(snapshot =>
        {
            snapshot.ToTable("Snapshots");
            snapshot.HasIndex(s => new { s.HostName, s.TakenAt });
            snapshot.HasIndex(s => s.CycleRunId);
        });

        modelBuilder.Entity<FindingRecord>(finding =>
        {
            finding.ToTable("Findings");
            finding.HasIndex(f => f.DetectedAt);
            finding.HasIndex(f => new { f.HostName, f.DetectedAt });
            finding.HasIndex(f => f.Fingerprint);
            finding.HasIndex(f => f.CycleRunId);
        });

        modelBuilder.Entity<IncidentRecord>(incident =>
        {
            incident.ToTable("Incidents");
            incident.HasIndex(i => new { i.HostName, i.State });
            incident.HasIndex(i => i.Fingerprint);
            incident.HasIndex(i => i.ChangedAt);
        });

        modelBuilder.Entity<AnalysisRecord>(analysis =>
        {
            analysis.ToTable("Analyses");
            analysis.HasIndex(a => new { a.IncidentId, a.RequestedAt });
            analysis.HasIndex(a => a.State);
        });
    }

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        value => value.UtcTicks,
        ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
}
