using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Capture;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Core.Transcripts;
using Storytelling.Core.Workshops;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Tellers;

/// <summary>A story as a teller leaves it: real audio in the store, a machine transcript with a sentence found
/// nowhere else, a story pseudonym, codings (one in a workshop spotlight), a finished job and its upload session.</summary>
public sealed record SeededStory(Guid Id, string Code, string BlobName, byte[] Audio);

public static class TellerSeed
{
    public const string Sentence = "Bij Zwelgenhorst leerde ik dat mijn handen ertoe doen.";
    public const string Rare = "Okkerbloemstraat";

    public static string[] Segments(string tag) =>
    [
        $"Ik woon al jaren aan de {Rare} {tag}.",
        Sentence,
        "Werk betekent voor mij dat ik ertoe doe.",
    ];

    /// <summary>Two seconds of seeded noise as Ogg Opus: compressed, so every stretch of it is unique to this story.</summary>
    public static async Task<byte[]> AudioAsync(int seed)
    {
        var path = Path.Combine(Path.GetTempPath(), $"teller-{Guid.NewGuid():N}.ogg");
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", $"anoisesrc=d=2:c=pink:r=48000:a=0.3:seed={seed}",
                     "-c:a", "libopus", "-b:a", "32k", path })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, error);
        var bytes = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        return bytes;
    }

    public static async Task<SeededStory> StoryAsync(TestApp app, Guid projectId, Guid themeId, Guid authorId, string tag, int seed)
    {
        var audio = await AudioAsync(seed);
        var store = app.Services.GetRequiredService<IMediaStore>();
        var stored = await store.SaveAsync(new MemoryStream(audio), "audio/ogg", CancellationToken.None);
        var at = app.Time.GetUtcNow();
        var code = ReceiptCode.New();
        var story = new Story
        {
            ProjectId = projectId, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(code), CreatedAt = at, Status = StoryStatus.Transcribed,
            Consent = new Consent { Scopes = ConsentScopes.Analysis | ConsentScopes.QuotesInReports, GivenAt = at },
        };
        await app.WithDbAsync(async db =>
        {
            var recording = new Recording
            {
                StoryId = story.Id, BlobName = stored.BlobName, Format = "ogg", MediaType = "audio/ogg", DurationMs = 30_000,
                SizeBytes = stored.SizeBytes, Sha256 = stored.Sha256, CreatedAt = at,
            };
            var transcript = new Transcript
            {
                StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", ModelName = "ggml-base.bin", CreatedAt = at,
                Segments = Segments(tag).Select((t, i) => new TranscriptSegment
                {
                    Position = i, StartMs = i * 10_000, EndMs = i * 10_000 + 9_000, Text = t, SpeakerLabel = "verteller",
                }).ToList(),
            };
            var text = string.Join("\n", transcript.Segments.Select(s => s.Text));
            var start = text.IndexOf(Sentence, StringComparison.Ordinal);
            var coding = new Coding
            {
                ThemeId = themeId, TranscriptId = transcript.Id, StartChar = start, EndChar = start + Sentence.Length, StartMs = 10_000, EndMs = 19_000,
                AuthorPersonId = authorId, AuthorRole = ProjectRole.Begeleider, CreatedAt = at, Memo = "Over " + Rare,
            };
            db.AddRange(story, recording, transcript);
            // Guid.Empty: a story without analysis (no theme to code with).
            if (themeId != Guid.Empty) db.Add(coding);
            db.Pseudonyms.Add(new Pseudonym { ProjectId = projectId, StoryId = story.Id, Original = Rare, Replacement = "Straat A", CreatedAt = at });
            db.TranscriptionJobs.Add(new TranscriptionJob
            {
                RecordingId = recording.Id, Status = TranscriptionJobStatus.Succeeded, ProgressPercent = 100, CreatedAt = at, CompletedAt = at,
            });
            db.UploadSessions.Add(new UploadSession
            {
                Id = UploadSession.NewId(), ProjectId = projectId, BlobName = stored.BlobName, SizeBytes = audio.Length, ReceivedBytes = audio.Length,
                DeclaredMediaType = "audio/ogg", Status = UploadStatus.Completed, StoryId = story.Id, CreatedAt = at, ExpiresAt = at.AddDays(2),
            });
            if (themeId != Guid.Empty)
                db.WorkshopSessions.Add(new WorkshopSession
                {
                    ProjectId = projectId, Title = "Sessie", Code = "K7QM4T", OpenedByPersonId = authorId, OpenedAt = at, SpotlightCodingId = coding.Id,
                });
            await db.SaveChangesAsync();
        });
        return new SeededStory(story.Id, code, stored.BlobName, audio);
    }

    /// <summary>Enters the code on /verhaal like a phone does; returns the client, now holding the teller cookie.</summary>
    public static async Task<(HttpResponseMessage Response, string Html)> EnterCodeAsync(HttpClient client, string code)
    {
        var page = await client.GetStringAsync("/verhaal");
        var response = await Forms.PostAsync(client, "/verhaal", page, null, new() { ["Code"] = code });
        return (response, await response.Content.ReadAsStringAsync());
    }

    public static async Task<string> MinePageAsync(HttpClient client, string query = "")
    {
        var response = await client.GetAsync("/verhaal/mijn" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    public static async Task<HttpResponseMessage> CorrectAsync(HttpClient client, int position, int baseVersion, string text)
    {
        var page = await MinePageAsync(client, $"?fix={position}");
        return await Forms.PostAsync(client, "/verhaal/mijn", page, "Fix",
            new() { ["position"] = position.ToString(), ["baseVersion"] = baseVersion.ToString(), ["text"] = text });
    }

    public static async Task<HttpResponseMessage> WithdrawAsync(HttpClient client)
    {
        var page = await MinePageAsync(client, "?stap=intrekken");
        return await Forms.PostAsync(client, "/verhaal/mijn", page, "Withdraw", new() { ["confirm"] = "ja" });
    }
}
