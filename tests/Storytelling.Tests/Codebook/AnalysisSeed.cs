using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Codebook;

/// <summary>Stories with transcripts written straight into the database, and codings made through the real CodingService.</summary>
internal static class AnalysisSeed
{
    public static async Task<Guid> StoryAsync(TestApp app, Guid projectId, string teller, string[] segments, string? language = "nl",
        StoryStatus status = StoryStatus.Transcribed, int versions = 1, string[]? laterSegments = null)
    {
        var storyId = Guid.Empty;
        await app.WithDbAsync(async db =>
        {
            var at = app.Time.GetUtcNow();
            var story = new Story
            {
                ProjectId = projectId, TellerPseudonym = teller, ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at, Status = status, Language = language,
                Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = at },
            };
            db.Stories.Add(story);
            for (var v = 1; v <= versions; v++)
            {
                var texts = v == 1 ? segments : laterSegments ?? segments;
                db.Transcripts.Add(new Transcript
                {
                    StoryId = story.Id, Version = v, Origin = v == 1 ? TranscriptOrigin.Machine : TranscriptOrigin.HumanCorrection,
                    Language = language, CreatedAt = at,
                    Segments = texts.Select((t, i) => new TranscriptSegment { Position = i, StartMs = i * 5000, EndMs = i * 5000 + 4000, Text = t }).ToList(),
                });
            }
            await db.SaveChangesAsync();
            storyId = story.Id;
        });
        app.Time.Advance(TimeSpan.FromMinutes(1));
        return storyId;
    }

    public static async Task<Guid> CodingAsync(TestApp app, Guid projectId, Guid storyId, Guid themeId, int start, int end, Guid personId, ProjectRole role)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<CodingService>()
            .CreateAsync(projectId, new NewCoding(storyId, themeId, start, end, null), new CodingAuthor(personId, role, "x"), CancellationToken.None);
        return result.Coding?.Id ?? throw new InvalidOperationException(string.Join(" ", result.Errors!.SelectMany(e => e.Value)));
    }

    public static async Task<Guid> ThemeAsync(TestApp app, Guid projectId, string name, Guid? parentId = null)
    {
        var theme = new Theme { ProjectId = projectId, Name = name, ParentId = parentId, CreatedAt = app.Time.GetUtcNow() };
        await app.WithDbAsync(async db => { db.Themes.Add(theme); await db.SaveChangesAsync(); });
        return theme.Id;
    }
}
