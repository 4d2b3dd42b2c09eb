using Macha.Core.Actions.Autonomy;
using Macha.Core.Analysis;
using Macha.Core.Approvals;
using Macha.Core.Discussions;
using Macha.Core.Hosts;
using Macha.Core.Incidents;
using Macha.Core.Knowledge;
using Macha.Core.Notifications;
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

    public DbSet<ApprovalRecord> Approvals => Set<ApprovalRecord>();

    public DbSet<ApprovalTransition> ApprovalTransitions => Set<ApprovalTransition>();

    public DbSet<AutonomySettingRecord> AutonomySettings => Set<AutonomySettingRecord>();

    public DbSet<HostRecord> Hosts => Set<HostRecord>();

    public DbSet<DiscussionMessage> DiscussionMessages => Set<DiscussionMessage>();

    public DbSet<HostMetricRecord> HostMetrics => Set<HostMetricRecord>();

    public DbSet<PendingLearningRecord> PendingLearnings => Set<PendingLearningRecord>();

    public DbSet<NotificationCooldownRecord> NotificationCooldowns => Set<NotificationCooldownRecord>();

    public DbSet<DependencyStateRecord> DependencyStates => Set<DependencyStateRecord>();

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
        configurationBuilder.Properties<ApprovalState>().HaveConversion<string>();
        configurationBuilder.Properties<HostSource>().HaveConversion<string>();
        configurationBuilder.Properties<HostStatus>().HaveConversion<string>();
        configurationBuilder.Properties<DiscussionSubject>().HaveConversion<string>();
        configurationBuilder.Properties<DiscussionRole>().HaveConversion<string>();
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

        modelBuilder.Entity<ApprovalRecord>(approval =>
        {
            approval.ToTable("Approvals");
            approval.HasIndex(a => new { a.State, a.CreatedAt });

            // At most one Pending approval per proposal, enforced by SQLite even when two processes
            // queue the same proposal at once. The filter names the stored text of ApprovalState.Pending.
            approval.HasIndex(a => a.DedupKey).IsUnique().HasFilter("\"State\" = 'Pending'");
        });

        modelBuilder.Entity<HostRecord>(host =>
        {
            host.ToTable("Hosts");
            host.HasKey(h => h.Name);

            // Host names compare without case, as DNS names do.
            host.Property(h => h.Name).UseCollation("NOCASE");
        });

        modelBuilder.Entity<ApprovalTransition>(transition =>
        {
            transition.ToTable("ApprovalTransitions");
            transition.HasIndex(t => new { t.ApprovalId, t.At });
            transition.HasOne<ApprovalRecord>().WithMany().HasForeignKey(t => t.ApprovalId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AutonomySettingRecord>(setting =>
        {
            setting.ToTable("AutonomySettings");
            setting.Property(s => s.Id).ValueGeneratedNever();

            // The row exists from the migration on, so pausing and resuming are conditional UPDATEs
            // of one row and never race to insert it.
            setting.HasData(new AutonomySettingRecord { Id = AutonomySettingRecord.SingletonId, Paused = false });
        });

        modelBuilder.Entity<DiscussionMessage>(message =>
        {
            message.ToTable("DiscussionMessages");
            message.HasIndex(m => new { m.Subject, m.SubjectId, m.Id });
        });

        modelBuilder.Entity<HostMetricRecord>(metric =>
        {
            metric.ToTable("HostMetrics");
            metric.HasIndex(m => new { m.HostName, m.TakenAt });
        });

        modelBuilder.Entity<PendingLearningRecord>(learning =>
        {
            learning.ToTable("PendingLearnings");
            learning.HasIndex(l => l.QueuedAt);
        });

        modelBuilder.Entity<NotificationCooldownRecord>(cooldown =>
        {
            cooldown.ToTable("NotificationCooldowns");
            cooldown.HasKey(c => c.DedupKey);
            cooldown.HasIndex(c => c.SentAt);
        });

        modelBuilder.Entity<DependencyStateRecord>(dependency =>
        {
            dependency.ToTable("DependencyStates");
            dependency.HasKey(d => d.Key);
        });
    }

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        value => value.UtcTicks,
        ticks => new DateTimeOffset(ticks, TimeSpan.Zero));
}
