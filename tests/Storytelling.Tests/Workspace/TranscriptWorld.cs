using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Workspace;

/// <summary>A project with a person in each role, an outsider (facilitator elsewhere), a theme, and helpers that
/// seed stories with a stored recording and a machine transcript.</summary>
public sealed class TranscriptWorld : IAsyncLifetime
{
    public TestApp App { get; } = new();
    public Guid ProjectId { get; private set; }
    public Guid OtherProjectId { get; private set; }
    public Guid ThemeId { get; private set; }
    public Dictionary<string, Guid> People { get; } = [];
    public Dictionary<string, HttpClient> Clients { get; } = [];

    public static readonly string[] Machine =
    [
        "Ik ben Jan de Vries en ik woon in Houten.",
        "Werk betekent voor mij dat ik ertoe doe.",
        "Bij de voedselbank leerde ik Nederlands.",
    ];

    public async Task InitializeAsync()
    {
        await App.MigrateAsync();
        foreach (var caller in new[] { "bewoner", "interviewer", "begeleider", "beleidsmedewerker", "outsider" })
            People[caller] = (await App.CreatePersonAsync($"{caller}-{Guid.NewGuid():N}@example.org", name: caller)).Id;
        ProjectId = (await App.CreateProjectAsync("Werk in Houten",
            (People["bewoner"], ProjectRole.Bewoner),
            (People["interviewer"], ProjectRole.Interviewer),
            (People["begeleider"], ProjectRole.Begeleider),
            (People["beleidsmedewerker"], ProjectRole.Beleidsmedewerker))).Id;
        OtherProjectId = (await App.CreateProjectAsync("Elders", (People["outsider"], ProjectRole.Begeleider))).Id;
        await App.WithDbAsync(async db =>
        {
            var theme = new Theme { ProjectId = ProjectId, Name = "Erbij horen", Colour = "#1F77B4", CreatedAt = App.Time.GetUtcNow() };
            db.Themes.Add(theme);
            db.Pseudonyms.Add(new Pseudonym { ProjectId = ProjectId, Original = "Jan de Vries", Replacement = "Peter", CreatedAt = App.Time.GetUtcNow() });
            await db.SaveChangesAsync();
            ThemeId = theme.Id;
        });
        foreach (var (caller, id) in People)
        {
            var email = await EmailOf(id);
            Clients[caller] = await App.SignedInClientAsync(email);
        }
        Clients["anonymous"] = App.AnonymousClient();
    }

    private async Task<string> EmailOf(Guid personId)
    {
        var email = "";
        await App.WithDbAsync(async db => email = (await db.Users.FindAsync(personId))!.Email!);
        return email;
    }

    /// <summary>A story with consent to analysis (unless told otherwise), <paramref name="audio"/> stored as its recording, and version 1.</summary>
    public async Task<Guid> SeedStoryAsync(byte[]? audio = null, ConsentScopes consent = ConsentScopes.Analysis, Guid? projectId = null,
        string[]? segments = null)
    {
        audio ??= Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();
        var store = App.Services.GetRequiredService<IMediaStore>();
        var stored = await store.SaveAsync(new MemoryStream(audio), "audio/webm", CancellationToken.None);
        var storyId = Guid.Empty;
        await App.WithDbAsync(async db =>
        {
            var at = App.Time.GetUtcNow();
            var story = new Story
            {
                ProjectId = projectId ?? ProjectId, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at,
                Status = StoryStatus.Transcribed, Consent = new Consent { Scopes = consent, GivenAt = at },
            };
            var recording = new Recording
            {
                StoryId = story.Id, BlobName = stored.BlobName, Format = "webm", MediaType = "audio/webm", DurationMs = 30_000,
                SizeBytes = stored.SizeBytes, Sha256 = stored.Sha256, CreatedAt = at,
            };
            var transcript = new Transcript
            {
                StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", ModelName = "ggml-base.bin", CreatedAt = at,
                Segments = (segments ?? Machine).Select((t, i) => new TranscriptSegment
                {
                    Position = i, StartMs = i * 10_000, EndMs = i * 10_000 + 9_000, Text = t, SpeakerLabel = "verteller", Confidence = 0.9f,
                }).ToList(),
            };
            db.AddRange(story, recording, transcript);
            await db.SaveChangesAsync();
            storyId = story.Id;
        });
        return storyId;
    }

    public string Base(Guid storyId, Guid? projectId = null) => $"/api/projects/{projectId ?? ProjectId}/stories/{storyId}";

    public Task DisposeAsync()
    {
        foreach (var c in Clients.Values) c.Dispose();
        App.Dispose();
        return Task.CompletedTask;
    }
}
