using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Storytelling.Core.Analysis;
using Storytelling.Core.Configuration;
using Storytelling.Core.People;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Core.Transcripts;

namespace Storytelling.Tests.Persistence;

/// <summary>
/// The same queries and invariants, run against each database provider through the real migrations.
/// </summary>
public abstract class PersistenceContract : IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.FromHours(1));

    protected abstract DatabaseOptions Database { get; }

    public virtual async Task InitializeAsync()
    {
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(Database));
        services.AddDbContext<StorytellingDbContext>(b => CoreServiceCollectionExtensions.ConfigureDatabase(b, Database));
        _services = services.BuildServiceProvider();
        await _services.MigrateDatabaseAsync(CancellationToken.None);
    }

    public virtual async Task DisposeAsync() => await _services.DisposeAsync();

    private StorytellingDbContext NewContext() => _services.CreateScope().ServiceProvider.GetRequiredService<StorytellingDbContext>();

    private static Story NewStory(Guid projectId, string pseudonym, DateTimeOffset at, ConsentScopes scopes = ConsentScopes.Analysis | ConsentScopes.QuotesInReports) => new()
    {
        ProjectId = projectId,
        TellerPseudonym = pseudonym,
        ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()),
        CreatedAt = at,
        Consent = new Consent { Scopes = scopes, GivenAt = at, Method = ConsentMethod.GivenOnline },
    };

    private async Task<(Project Project, Person Person)> SeedAsync()
    {
        await using var db = NewContext();
        var person = new Person { UserName = $"p{Guid.NewGuid():N}", Email = "p@example.org", DisplayName = "Petra", CreatedAt = T0 };
        var project = new Project { Name = "Werk", GuidingQuestion = "Wat betekent werk voor jou?", AllowedLanguages = ["nl", "ar", "ti"], CreatedAt = T0 };
        db.AddRange(person, project);
        db.Memberships.AddRange(
            new ProjectMembership { ProjectId = project.Id, PersonId = person.Id, Role = ProjectRole.Begeleider, GrantedAt = T0 },
            new ProjectMembership { ProjectId = project.Id, PersonId = person.Id, Role = ProjectRole.Beleidsmedewerker, GrantedAt = T0 });
        await db.SaveChangesAsync();
        return (project, person);
    }

    [Fact]
    public void The_migrations_match_the_model_exactly()
    {
        using var db = NewContext();
        Assert.False(db.Database.HasPendingModelChanges(), "the model changed without a migration for this provider");
    }

    [Fact]
    public async Task A_project_round_trips_with_its_languages_phase_and_time()
    {
        var (project, _) = await SeedAsync();
        await using var db = NewContext();
        var loaded = await db.Projects.SingleAsync(p => p.Id == project.Id);
        Assert.Equal(["nl", "ar", "ti"], loaded.AllowedLanguages);
        Assert.Equal(ProjectPhase.Gather, loaded.Phase);
        Assert.Equal(T0, loaded.CreatedAt);
    }

    [Fact]
    public async Task One_person_holds_several_roles_in_a_project_but_never_the_same_role_twice()
    {
        var (project, person) = await SeedAsync();
        await using (var db = NewContext())
        {
            var roles = await db.Memberships.Where(m => m.ProjectId == project.Id && m.PersonId == person.Id)
                .Select(m => m.Role).ToListAsync();
            Assert.Equal([ProjectRole.Begeleider, ProjectRole.Beleidsmedewerker], roles.Order());
        }
        await using (var db = NewContext())
        {
            db.Memberships.Add(new ProjectMembership { ProjectId = project.Id, PersonId = person.Id, Role = ProjectRole.Begeleider, GrantedAt = T0 });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
    }

    [Fact]
    public async Task Receipt_codes_are_unique_across_the_installation()
    {
        var (project, _) = await SeedAsync();
        var code = ReceiptCode.New();
        await using (var db = NewContext())
        {
            var first = NewStory(project.Id, "Peter", T0);
            first.ReceiptCodeHash = ReceiptCode.Hash(code);
            db.Stories.Add(first);
            await db.SaveChangesAsync();
        }
        await using (var db = NewContext())
        {
            var second = NewStory(project.Id, "Fatima", T0);
            second.ReceiptCodeHash = ReceiptCode.Hash(code);
            db.Stories.Add(second);
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
    }

    [Fact]
    public async Task Consent_is_stored_with_the_story_and_filters_in_SQL()
    {
        var (project, person) = await SeedAsync();
        await using (var db = NewContext())
        {
            db.Stories.Add(NewStory(project.Id, "Peter", T0));
            var verbal = NewStory(project.Id, "Mo", T0.AddMinutes(1), ConsentScopes.None);
            verbal.Consent.Method = ConsentMethod.GivenVerbally;
            verbal.Consent.RecordedByPersonId = person.Id;
            db.Stories.Add(verbal);
            await db.SaveChangesAsync();
        }
        await using (var db = NewContext())
        {
            var analysable = await db.Stories.Where(s => s.ProjectId == project.Id).Analysable()
                .Select(s => s.TellerPseudonym).ToListAsync();
            Assert.Equal(["Peter"], analysable);
            var mo = await db.Stories.SingleAsync(s => s.TellerPseudonym == "Mo");
            Assert.Equal(ConsentMethod.GivenVerbally, mo.Consent.Method);
            Assert.Equal(person.Id, mo.Consent.RecordedByPersonId);
        }
    }

    [Fact]
    public async Task The_machine_transcript_stays_when_corrections_add_versions_and_the_latest_is_found_in_SQL()
    {
        var (project, person) = await SeedAsync();
        var story = NewStory(project.Id, "Peter", T0);
        await using (var db = NewContext())
        {
            db.Stories.Add(story);
            for (var v = 1; v <= 3; v++)
            {
                db.Transcripts.Add(new Transcript
                {
                    StoryId = story.Id, Version = v, CreatedAt = T0.AddHours(v),
                    Origin = v == 1 ? TranscriptOrigin.Machine : TranscriptOrigin.HumanCorrection,
                    CreatedByPersonId = v == 1 ? null : person.Id, Language = "nl", ModelName = v == 1 ? "ggml-base.bin" : null,
                    Segments =
                    [
                        new TranscriptSegment { Position = 0, StartMs = 0, EndMs = 2500, Text = $"versie {v} een", Confidence = 0.8f, SpeakerLabel = "verteller" },
                        new TranscriptSegment { Position = 1, StartMs = 2500, EndMs = 5100, Text = $"versie {v} twee" },
                    ],
                });
            }
            await db.SaveChangesAsync();
        }
        await using (var db = NewContext())
        {
            var latest = await db.Transcripts.Where(t => t.StoryId == story.Id).OrderByDescending(t => t.Version)
                .Include(t => t.Segments).FirstAsync();
            Assert.Equal(3, latest.Version);
            Assert.Equal(["versie 3 een", "versie 3 twee"], latest.Segments.OrderBy(s => s.Position).Select(s => s.Text));
            var machine = await db.Transcripts.SingleAsync(t => t.StoryId == story.Id && t.Origin == TranscriptOrigin.Machine);
            Assert.Equal(1, machine.Version);

            db.Transcripts.Add(new Transcript { StoryId = story.Id, Version = 3, CreatedAt = T0, Origin = TranscriptOrigin.HumanCorrection });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
        }
    }

    [Fact]
    public async Task Deleting_a_story_removes_its_recordings_transcripts_segments_codings_and_jobs()
    {
        var (project, person) = await SeedAsync();
        var story = NewStory(project.Id, "Peter", T0);
        var theme = new Theme { ProjectId = project.Id, Name = "Schulden", Kind = ThemeKind.Knelpunt, Colour = "#AA3300", CreatedAt = T0 };
        var recording = new Recording { StoryId = story.Id, BlobName = "ab/ab" + new string('0', 30), Format = "webm", MediaType = "audio/webm", Sha256 = new string('a', 64), SizeBytes = 10, DurationMs = 5000, CreatedAt = T0 };
        var transcript = new Transcript { StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, CreatedAt = T0, Segments = [new TranscriptSegment { Position = 0, StartMs = 0, EndMs = 5000, Text = "te moe om te solliciteren" }] };
        await using (var db = NewContext())
        {
            db.AddRange(story, theme, recording, transcript);
            db.Codings.Add(new Coding { ThemeId = theme.Id, TranscriptId = transcript.Id, StartChar = 0, EndChar = 7, StartMs = 0, EndMs = 1200, AuthorPersonId = person.Id, AuthorRole = ProjectRole.Bewoner, CreatedAt = T0 });
            db.TranscriptionJobs.Add(new TranscriptionJob { RecordingId = recording.Id, CreatedAt = T0, NotBefore = T0 });
            await db.SaveChangesAsync();
        }
        await using (var db = NewContext())
        {
            await db.Stories.Where(s => s.Id == story.Id).ExecuteDeleteAsync();
        }
        await using (var db = NewContext())
        {
            Assert.False(await db.Recordings.AnyAsync());
            Assert.False(await db.Transcripts.AnyAsync());
            Assert.False(await db.TranscriptSegments.AnyAsync());
            Assert.False(await db.Codings.AnyAsync());
            Assert.False(await db.TranscriptionJobs.AnyAsync());
            Assert.True(await db.Themes.AnyAsync(t => t.Id == theme.Id), "the codebook outlives a story");
        }
    }

    [Fact]
    public async Task Themes_form_a_tree_and_a_parent_with_children_cannot_be_deleted_by_accident()
    {
        var (project, _) = await SeedAsync();
        var parent = new Theme { ProjectId = project.Id, Name = "Bestaanszekerheid", Kind = ThemeKind.Knelpunt, CreatedAt = T0 };
        await using (var db = NewContext())
        {
            db.Themes.Add(parent);
            db.Themes.AddRange(
                new Theme { ProjectId = project.Id, ParentId = parent.Id, Name = "Schulden", Kind = ThemeKind.Knelpunt, CreatedAt = T0 },
                new Theme { ProjectId = project.Id, ParentId = parent.Id, Name = "Armoede", Kind = ThemeKind.Knelpunt, CreatedAt = T0 });
            await db.SaveChangesAsync();
        }
        await using (var db = NewContext())
        {
            var children = await db.Themes.Where(t => t.ParentId == parent.Id).OrderBy(t => t.Name).Select(t => t.Name).ToListAsync();
            Assert.Equal(["Armoede", "Schulden"], children);
            await Assert.ThrowsAnyAsync<Exception>(() => db.Themes.Where(t => t.Id == parent.Id).ExecuteDeleteAsync());
        }
    }

    [Fact]
    public async Task Queue_and_audit_queries_order_and_compare_times_in_SQL()
    {
        var (project, _) = await SeedAsync();
        var story = NewStory(project.Id, "Peter", T0);
        // One job per recording (a unique index): three recordings of the same story, one job each.
        var recordings = Enumerable.Range(1, 3).Select(i => new Recording
        {
            StoryId = story.Id, BlobName = "cd/cd" + new string((char)('0' + i), 30), Format = "wav", MediaType = "audio/wav", Sha256 = new string('b', 64), CreatedAt = T0,
        }).ToArray();
        await using (var db = NewContext())
        {
            db.AddRange(story);
            db.AddRange(recordings);
            // Offsets differ on purpose: ordering must follow the instant, not the written local time.
            db.TranscriptionJobs.AddRange(
                new TranscriptionJob { RecordingId = recordings[0].Id, CreatedAt = T0, NotBefore = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.FromHours(5)) },
                new TranscriptionJob { RecordingId = recordings[1].Id, CreatedAt = T0, NotBefore = new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero) },
                new TranscriptionJob { RecordingId = recordings[2].Id, CreatedAt = T0, NotBefore = new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero), Status = TranscriptionJobStatus.Succeeded });
            await db.SaveChangesAsync();
        }
        await using (var db = NewContext())
        {
            var now = new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
            var due = await db.TranscriptionJobs
                .Where(j => j.Status == TranscriptionJobStatus.Queued && j.NotBefore <= now)
                .OrderBy(j => j.NotBefore).Select(j => j.NotBefore).ToListAsync();
            // 12:00 at +05:00 is 07:00 UTC: earlier than 08:00 UTC although its clock time is later.
            Assert.Equal(
                [new DateTimeOffset(2026, 11, 22, 7, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero)],
                due.Select(d => d.ToUniversalTime()));
            var all = await db.TranscriptionJobs.OrderBy(j => j.NotBefore).Select(j => j.NotBefore).ToListAsync();
            Assert.Equal(all.Select(d => d.UtcTicks).Order(), all.Select(d => d.UtcTicks));
        }
    }
}
