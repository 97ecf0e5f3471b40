using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Capture;
using Storytelling.Core.Evaluation;
using Storytelling.Core.People;
using Storytelling.Core.Projects;
using Storytelling.Core.Reports;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Core.Transcripts;
using Storytelling.Core.Workshops;

namespace Storytelling.Core.Persistence;

public sealed class StorytellingDbContext(DbContextOptions<StorytellingDbContext> options)
    : IdentityDbContext<Person, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    /// <summary>The cookie-signing key ring lives in the database, so every web node accepts every other's cookies.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Project> Projects => Set<Project>();
    public DbSet<ProjectMembership> Memberships => Set<ProjectMembership>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<Story> Stories => Set<Story>();
    public DbSet<Recording> Recordings => Set<Recording>();
    public DbSet<AudioRendition> AudioRenditions => Set<AudioRendition>();
    public DbSet<Transcript> Transcripts => Set<Transcript>();
    public DbSet<TranscriptSegment> TranscriptSegments => Set<TranscriptSegment>();
    public DbSet<Theme> Themes => Set<Theme>();
    public DbSet<Coding> Codings => Set<Coding>();
    public DbSet<TranscriptionJob> TranscriptionJobs => Set<TranscriptionJob>();
    public DbSet<WorkerHeartbeat> WorkerHeartbeats => Set<WorkerHeartbeat>();
    public DbSet<ThemeEvent> ThemeEvents => Set<ThemeEvent>();
    public DbSet<Pseudonym> Pseudonyms => Set<Pseudonym>();
    public DbSet<WorkshopSession> WorkshopSessions => Set<WorkshopSession>();
    public DbSet<WorkshopParticipant> WorkshopParticipants => Set<WorkshopParticipant>();
    public DbSet<ThemeVote> ThemeVotes => Set<ThemeVote>();
    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();
    public DbSet<UploadSession> UploadSessions => Set<UploadSession>();
    public DbSet<Report> Reports => Set<Report>();
    public DbSet<ReportTheme> ReportThemes => Set<ReportTheme>();
    public DbSet<ReportQuote> ReportQuotes => Set<ReportQuote>();
    public DbSet<ProjectPhaseChange> ProjectPhaseChanges => Set<ProjectPhaseChange>();
    public DbSet<Experiment> Experiments => Set<Experiment>();
    public DbSet<ExperimentTheme> ExperimentThemes => Set<ExperimentTheme>();
    public DbSet<ExperimentStory> ExperimentStories => Set<ExperimentStory>();
    public DbSet<EvaluationRound> EvaluationRounds => Set<EvaluationRound>();
    public DbSet<PendingBlobDeletion> PendingBlobDeletions => Set<PendingBlobDeletion>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Enums are stored by name so the database reads on its own and reordering an enum cannot corrupt data.
        configurationBuilder.Properties<ProjectPhase>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<ProjectRole>().HaveConversion<string>().HaveMaxLength(24);
        configurationBuilder.Properties<InvitationKind>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<StoryStatus>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<ConsentMethod>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<TranscriptOrigin>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<ThemeKind>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<TranscriptionJobStatus>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<WorkerState>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<ThemeEventKind>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<UploadStatus>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<ExperimentStatus>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<EvaluationRoundStatus>().HaveConversion<string>().HaveMaxLength(16);

        // Every instant is stored in UTC. SQLite has no date type: as UTC ticks (a plain integer) instants compare
        // and sort correctly in SQL, which the queue and retention queries rely on. PostgreSQL's timestamptz takes
        // only UTC from Npgsql, so any offset a caller used is normalised first.
        if (Database.IsSqlite())
        {
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTicksConverter>();
            configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<UtcTicksConverter>();
        }
        else
        {
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<ToUtcConverter>();
            configurationBuilder.Properties<DateTimeOffset?>().HaveConversion<ToUtcConverter>();
        }
    }

    private sealed class UtcTicksConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks, v => new DateTimeOffset(v, TimeSpan.Zero));

    private sealed class ToUtcConverter() : ValueConverter<DateTimeOffset, DateTimeOffset>(
        v => v.ToUniversalTime(), v => v);

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        builder.Entity<Person>(e =>
        {
            e.Property(p => p.DisplayName).HasMaxLength(200);
        });

        builder.Entity<Project>(e =>
        {
            e.Property(p => p.Name).HasMaxLength(200);
            e.Property(p => p.GuidingQuestion).HasMaxLength(1000);
            e.Property(p => p.DefaultLanguage).HasMaxLength(8);
            e.Property(p => p.PublishedUpdate).HasMaxLength(8000);
            e.OwnsMany(p => p.QuestionTranslations, q => q.ToJson());
        });

        builder.Entity<ProjectMembership>(e =>
        {
            e.HasIndex(m => new { m.ProjectId, m.PersonId, m.Role }).IsUnique();
            e.HasIndex(m => m.PersonId);
            e.HasOne(m => m.Project).WithMany(p => p.Memberships).HasForeignKey(m => m.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(m => m.Person).WithMany(p => p.Memberships).HasForeignKey(m => m.PersonId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Invitation>(e =>
        {
            e.Property(i => i.TokenHash).HasMaxLength(64);
            e.HasIndex(i => i.TokenHash).IsUnique();
            e.HasOne(i => i.Project).WithMany().HasForeignKey(i => i.ProjectId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Story>(e =>
        {
            e.Property(s => s.TellerPseudonym).HasMaxLength(100);
            e.Property(s => s.ReceiptCodeHash).HasMaxLength(64);
            e.Property(s => s.Language).HasMaxLength(8);
            e.HasIndex(s => s.ReceiptCodeHash).IsUnique();
            e.HasIndex(s => new { s.ProjectId, s.CreatedAt });
            e.HasOne(s => s.Project).WithMany().HasForeignKey(s => s.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.OwnsOne(s => s.Consent, c =>
            {
                c.Property(x => x.Scopes).HasColumnName("ConsentScopes");
                c.Property(x => x.GivenAt).HasColumnName("ConsentGivenAt");
                c.Property(x => x.Method).HasColumnName("ConsentMethod");
                c.Property(x => x.RecordedByPersonId).HasColumnName("ConsentRecordedByPersonId");
                c.Property(x => x.TextVersion).HasColumnName("ConsentTextVersion").HasMaxLength(16);
            });
        });

        builder.Entity<Recording>(e =>
        {
            e.Property(r => r.BlobName).HasMaxLength(200);
            e.Property(r => r.Format).HasMaxLength(32);
            e.Property(r => r.MediaType).HasMaxLength(100);
            e.Property(r => r.Sha256).HasMaxLength(64).IsFixedLength();
            e.HasIndex(r => r.BlobName).IsUnique();
            e.HasOne(r => r.Story).WithMany(s => s.Recordings).HasForeignKey(r => r.StoryId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<AudioRendition>(e =>
        {
            e.Property(r => r.Key).HasMaxLength(64).IsFixedLength();
            e.Property(r => r.BlobName).HasMaxLength(200);
            e.Property(r => r.MediaType).HasMaxLength(100);
            e.HasIndex(r => new { r.RecordingId, r.Key }).IsUnique();
            e.HasIndex(r => r.BlobName).IsUnique();
            e.HasOne(r => r.Recording).WithMany().HasForeignKey(r => r.RecordingId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Transcript>(e =>
        {
            e.Property(t => t.Language).HasMaxLength(8);
            e.Property(t => t.ModelName).HasMaxLength(100);
            e.HasIndex(t => new { t.StoryId, t.Version }).IsUnique();
            e.HasOne(t => t.Story).WithMany(s => s.Transcripts).HasForeignKey(t => t.StoryId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(t => t.Segments).WithOne().HasForeignKey(s => s.TranscriptId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<TranscriptSegment>(e =>
        {
            e.Property(s => s.Language).HasMaxLength(8);
            e.Property(s => s.SpeakerLabel).HasMaxLength(50);
            e.HasIndex(s => new { s.TranscriptId, s.Position }).IsUnique();
        });

        builder.Entity<Theme>(e =>
        {
            e.Property(t => t.Name).HasMaxLength(200);
            e.Property(t => t.Description).HasMaxLength(4000);
            e.Property(t => t.Colour).HasMaxLength(7);
            e.HasIndex(t => t.ProjectId);
            e.HasOne(t => t.Project).WithMany().HasForeignKey(t => t.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(t => t.Parent).WithMany(t => t.Children).HasForeignKey(t => t.ParentId).OnDelete(DeleteBehavior.Restrict);
        });

        builder.Entity<Coding>(e =>
        {
            e.Property(c => c.Memo).HasMaxLength(4000);
            e.HasIndex(c => c.TranscriptId);
            e.HasIndex(c => c.ThemeId);
            e.HasOne(c => c.Theme).WithMany().HasForeignKey(c => c.ThemeId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(c => c.Transcript).WithMany().HasForeignKey(c => c.TranscriptId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<TranscriptionJob>(e =>
        {
            e.Property(j => j.LeaseOwner).HasMaxLength(100);
            e.Property(j => j.LastError).HasMaxLength(1000);
            e.HasIndex(j => new { j.Status, j.NotBefore });
            e.HasIndex(j => j.RecordingId).IsUnique();
            e.HasOne(j => j.Recording).WithMany().HasForeignKey(j => j.RecordingId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ThemeEvent>(e =>
        {
            e.Property(x => x.Before).HasMaxLength(400);
            e.Property(x => x.After).HasMaxLength(400);
            e.HasIndex(x => new { x.ProjectId, x.At });
            e.HasIndex(x => x.ThemeId);
            e.HasOne<Theme>().WithMany().HasForeignKey(x => x.ThemeId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<Pseudonym>(e =>
        {
            e.Property(x => x.Original).HasMaxLength(200);
            e.Property(x => x.Replacement).HasMaxLength(200);
            e.HasIndex(x => new { x.ProjectId, x.StoryId });
            e.HasOne<Projects.Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Story>().WithMany().HasForeignKey(x => x.StoryId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<WorkshopSession>(e =>
        {
            e.Property(x => x.Title).HasMaxLength(200);
            e.Property(x => x.Code).HasMaxLength(12);
            e.HasIndex(x => x.Code);
            e.HasIndex(x => x.ProjectId);
            e.HasOne(x => x.Project).WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<WorkshopParticipant>(e =>
        {
            e.Property(x => x.DisplayName).HasMaxLength(100);
            e.Property(x => x.TokenHash).HasMaxLength(64);
            e.HasIndex(x => x.SessionId);
            e.HasIndex(x => x.TokenHash);
            e.HasOne(x => x.Session).WithMany().HasForeignKey(x => x.SessionId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<ThemeVote>(e =>
        {
            e.HasIndex(x => new { x.SessionId, x.ParticipantId });
            e.HasIndex(x => new { x.SessionId, x.ThemeId });
            e.HasOne<WorkshopSession>().WithMany().HasForeignKey(x => x.SessionId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Theme>().WithMany().HasForeignKey(x => x.ThemeId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<WorkerHeartbeat>(e =>
        {
            e.Property(w => w.Id).HasMaxLength(100);
            e.Property(w => w.Machine).HasMaxLength(100);
            e.Property(w => w.Message).HasMaxLength(1000);
            e.Property(w => w.ModelName).HasMaxLength(100);
            e.Property(w => w.Runtime).HasMaxLength(20);
            e.HasIndex(w => w.LastSeenAt);
        });

        builder.Entity<UploadSession>(e =>
        {
            e.Property(u => u.Id).HasMaxLength(22);
            e.Property(u => u.BlobName).HasMaxLength(200);
            e.Property(u => u.DeclaredMediaType).HasMaxLength(100);
            e.Property(u => u.ExpectedSha256).HasMaxLength(64);
            e.Property(u => u.Language).HasMaxLength(8);
            e.Property(u => u.TellerPseudonym).HasMaxLength(100);
            e.HasIndex(u => u.ExpiresAt);
            e.HasOne<Projects.Project>().WithMany().HasForeignKey(u => u.ProjectId).OnDelete(DeleteBehavior.Cascade);
        });

        // Theme reports: the Markdown draft with its chosen themes and quotes (see Reports/).
        builder.Entity<Report>(e =>
        {
            e.Property(r => r.Title).HasMaxLength(200);
            e.Property(r => r.StaleReason).HasMaxLength(500);
            e.Property(r => r.Version).IsConcurrencyToken();
            e.HasIndex(r => new { r.ProjectId, r.UpdatedAt });
            e.HasOne(r => r.Project).WithMany().HasForeignKey(r => r.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(r => r.Themes).WithOne().HasForeignKey(t => t.ReportId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(r => r.Quotes).WithOne().HasForeignKey(q => q.ReportId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<ReportTheme>(e => e.HasIndex(t => new { t.ReportId, t.Position }));
        builder.Entity<ReportQuote>(e =>
        {
            e.Property(q => q.Text).HasMaxLength(20_000);
            e.HasIndex(q => q.StoryId);
            e.HasIndex(q => new { q.ReportId, q.Position });
        });
        // Evaluation: phase history, experiments and co-evaluation rounds.
        builder.Entity<ProjectPhaseChange>(e =>
        {
            e.Property(x => x.Note).HasMaxLength(1000);
            e.HasIndex(x => new { x.ProjectId, x.At });
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<Experiment>(e =>
        {
            e.Property(x => x.Title).HasMaxLength(200);
            e.Property(x => x.Description).HasMaxLength(4000);
            e.Property(x => x.OwnerName).HasMaxLength(200);
            e.Property(x => x.Results).HasMaxLength(8000);
            e.HasIndex(x => x.ProjectId);
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Person>().WithMany().HasForeignKey(x => x.OwnerPersonId).OnDelete(DeleteBehavior.SetNull);
        });
        builder.Entity<ExperimentTheme>(e =>
        {
            e.HasKey(x => new { x.ExperimentId, x.ThemeId });
            e.HasIndex(x => x.ThemeId);
            e.HasOne<Experiment>().WithMany(x => x.Themes).HasForeignKey(x => x.ExperimentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(x => x.Theme).WithMany().HasForeignKey(x => x.ThemeId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<ExperimentStory>(e =>
        {
            e.HasKey(x => new { x.ExperimentId, x.StoryId });
            e.HasIndex(x => x.StoryId);
            e.HasOne<Experiment>().WithMany(x => x.Stories).HasForeignKey(x => x.ExperimentId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne(x => x.Story).WithMany().HasForeignKey(x => x.StoryId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<EvaluationRound>(e =>
        {
            e.Property(x => x.Question).HasMaxLength(1000);
            e.OwnsMany(x => x.QuestionTranslations, q => q.ToJson());
            e.HasIndex(x => new { x.ProjectId, x.Number }).IsUnique();
            e.HasIndex(x => x.InvitationId);
            e.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Invitation>().WithMany().HasForeignKey(x => x.InvitationId).OnDelete(DeleteBehavior.SetNull);
        });
        builder.Entity<Story>(e =>
        {
            e.HasIndex(s => new { s.ProjectId, s.EvaluationRoundId });
            e.HasOne<EvaluationRound>().WithMany().HasForeignKey(s => s.EvaluationRoundId).OnDelete(DeleteBehavior.SetNull);
        });
        builder.Entity<PendingBlobDeletion>(e =>
        {
            e.Property(x => x.BlobName).HasMaxLength(200);
            e.HasIndex(x => x.BlobName).IsUnique();
            e.HasIndex(x => x.NextAttemptAt);
        });

        builder.Entity<AuditEntry>(e =>
        {
            e.ToTable("AuditLog");
            e.Property(a => a.Action).HasMaxLength(64);
            e.Property(a => a.SubjectType).HasMaxLength(32);
            e.HasIndex(a => new { a.ProjectId, a.At });
        });
    }
}
