using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Core.Workshops;
using Storytelling.Tests.Codebook;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Pseudonyms;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Features.Workshops;

namespace Storytelling.Tests.Transcripts;

/// <summary>
/// Speech whose timing we know: three espeak-ng phrases, each padded to a fixed length and joined by ffmpeg into one
/// AAC recording of 5.5 s — "Ik woon in Houten." (0–2 s), "Fatima." (2–3.5 s), "Het is hier fijn." (3.5–5.5 s).
/// The test Whisper models produce random words, so the word times come from this layout.
/// </summary>
public sealed class KnownSpeech : IAsyncLifetime
{
    private readonly string _folder = Repo.NewTempFolder("known-speech");
    public string Recording => Path.Combine(_folder, "story.m4a");
    public byte[] Bytes { get; private set; } = [];

    /// <summary>Each phrase's words with the times espeak speaks them (the name split into sub-words, as Whisper may).</summary>
    public static readonly (long StartMs, long EndMs, string Text, TimedWord[] Words)[] Segments =
    [
        (0, 2000, "Ik woon in Houten.", [new(0, 200, "Ik"), new(200, 550, "woon"), new(550, 700, "in"), new(700, 1340, "Houten.")]),
        (2000, 3500, "Fatima.", [new(2000, 2350, "Fa"), new(2350, 2800, "tima.")]),
        (3500, 5500, "Het is hier fijn.", [new(3500, 3700, "Het"), new(3700, 3850, "is"), new(3850, 4200, "hier"), new(4200, 4740, "fijn.")]),
    ];

    public async Task InitializeAsync()
    {
        string[] phrases = ["Ik woon in Houten.", "Fatima.", "Het is hier fijn."];
        for (var i = 0; i < phrases.Length; i++)
            await Tool.RunAsync("espeak-ng", "-v", "nl", "-w", Path.Combine(_folder, $"p{i}.wav"), phrases[i]);
        await Tool.RunAsync("ffmpeg", "-nostdin", "-v", "error", "-y",
            "-i", Path.Combine(_folder, "p0.wav"), "-i", Path.Combine(_folder, "p1.wav"), "-i", Path.Combine(_folder, "p2.wav"),
            "-filter_complex", "[0]aresample=16000,apad=whole_dur=2,atrim=0:2[a];[1]aresample=16000,apad=whole_dur=1.5,atrim=0:1.5[b];"
                + "[2]aresample=16000,apad=whole_dur=2,atrim=0:2[c];[a][b][c]concat=n=3:v=0:a=1",
            "-ac", "1", "-c:a", "aac", "-b:a", "96k", Recording);
        Bytes = await File.ReadAllBytesAsync(Recording);
    }

    public Task DisposeAsync()
    {
        Repo.DeleteFolder(_folder);
        return Task.CompletedTask;
    }

    /// <summary>Decodes audio bytes to 16 kHz mono samples with ffmpeg.</summary>
    public async Task<float[]> DecodeAsync(byte[] audio)
    {
        var file = Path.Combine(_folder, Guid.NewGuid().ToString("N"));
        await File.WriteAllBytesAsync(file, audio);
        try
        {
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-nostdin", "-v", "error", "-i", file, "-f", "f32le", "-ac", "1", "-ar", "16000", "-" }) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var pcm = new MemoryStream();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.StandardOutput.BaseStream.CopyToAsync(pcm);
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, await stderr);
            var bytes = pcm.ToArray();
            var samples = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * 4);
            return samples;
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static double Rms(float[] samples, long fromMs, long toMs)
    {
        var from = (int)(fromMs * 16);
        var to = Math.Min(samples.Length, (int)(toMs * 16));
        var sum = 0.0;
        for (var i = from; i < to; i++) sum += samples[i] * (double)samples[i];
        return Math.Sqrt(sum / Math.Max(1, to - from));
    }

    internal static class Tool
    {
        public static async Task RunAsync(string tool, params string[] arguments)
        {
            var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            await stdout;
            if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} failed: {await stderr}");
        }
    }
}

/// <summary>A project with a facilitator (sees originals), a policy officer and a resident, and a second project.</summary>
internal sealed class SilencedAudioScenario : IAsyncDisposable
{
    public required TestApp App { get; init; }
    public required Guid ProjectId { get; init; }
    public required Guid OtherProjectId { get; init; }
    public required Guid FacilitatorId { get; init; }
    public required HttpClient Facilitator { get; init; }
    public required HttpClient Officer { get; init; }
    public required HttpClient Resident { get; init; }
    public required KnownSpeech Speech { get; init; }

    public static async Task<SilencedAudioScenario> StartAsync(KnownSpeech speech, IDictionary<string, string?>? settings = null)
    {
        var app = await new TestApp(settings).MigrateAsync();
        var id = Guid.NewGuid().ToString("N")[..8];
        var f = await app.CreatePersonAsync($"begeleider-{id}@example.org");
        var o = await app.CreatePersonAsync($"beleid-{id}@example.org");
        var r = await app.CreatePersonAsync($"bewoner-{id}@example.org");
        var project = await app.CreateProjectAsync("Houten", (f.Id, ProjectRole.Begeleider), (o.Id, ProjectRole.Beleidsmedewerker), (r.Id, ProjectRole.Bewoner));
        var other = await app.CreateProjectAsync("Elders", (f.Id, ProjectRole.Begeleider));
        return new SilencedAudioScenario
        {
            App = app, ProjectId = project.Id, OtherProjectId = other.Id, FacilitatorId = f.Id, Speech = speech,
            Facilitator = await app.SignedInClientAsync(f.Email!), Officer = await app.SignedInClientAsync(o.Email!),
            Resident = await app.SignedInClientAsync(r.Email!),
        };
    }

    public string Audio(Guid storyId, Guid? projectId = null) => $"/api/projects/{projectId ?? ProjectId}/stories/{storyId}/audio";

    /// <summary>A story with the known recording and a machine transcript (with word times unless told otherwise).</summary>
    public async Task<(Guid StoryId, Recording Recording)> StoryAsync(bool wordTimes = true, Guid? projectId = null)
    {
        var stored = await App.Services.GetRequiredService<IMediaStore>().SaveAsync(new MemoryStream(Speech.Bytes), "audio/mp4", CancellationToken.None);
        var at = App.Time.GetUtcNow();
        var story = new Story
        {
            ProjectId = projectId ?? ProjectId, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at,
            Status = StoryStatus.Transcribed,
            Consent = new Consent { Scopes = ConsentScopes.Analysis | ConsentScopes.AudioInWorkshops, GivenAt = at },
        };
        var recording = new Recording
        {
            StoryId = story.Id, BlobName = stored.BlobName, Format = "mp4", MediaType = "audio/mp4", DurationMs = 5500,
            SizeBytes = stored.SizeBytes, Sha256 = stored.Sha256, CreatedAt = at,
        };
        var transcript = new Transcript
        {
            StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", ModelName = "ggml-base.bin", CreatedAt = at,
            Segments = KnownSpeech.Segments.Select((s, i) => new TranscriptSegment
            {
                Position = i, StartMs = s.StartMs, EndMs = s.EndMs, Text = s.Text, Confidence = 0.9f,
                WordTimes = wordTimes ? WordTimes.Encode(s.Words) : null,
            }).ToList(),
        };
        await App.WithDbAsync(async db =>
        {
            db.AddRange(story, recording, transcript);
            await db.SaveChangesAsync();
        });
        return (story.Id, recording);
    }

    public async Task<PseudonymDto> SilenceAsync(string name)
    {
        var response = await Facilitator.PostAsJsonAsync($"/api/projects/{ProjectId}/pseudonyms", new { original = name, silenceAudio = true });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<PseudonymDto>(TestJson.Options))!;
    }

    public async Task<byte[]> GetAudioAsync(HttpClient client, Guid storyId, string query = "")
    {
        var response = await client.GetAsync(Audio(storyId) + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    public async Task<List<AudioRendition>> RenditionsAsync(Guid storyId)
    {
        var list = new List<AudioRendition>();
        await App.WithDbAsync(async db => list = await db.AudioRenditions.AsNoTracking().Where(r => r.Recording!.StoryId == storyId).ToListAsync());
        return list;
    }

    public async Task<bool> ExistsAsync(string blobName) =>
        await App.Services.GetRequiredService<IMediaStore>().GetPropertiesAsync(blobName, CancellationToken.None) is not null;

    /// <summary>
    /// What a policy officer hears, checked against the original: silent inside <paramref name="silent"/> (which the
    /// original speaks in), as loud as the original inside <paramref name="heard"/>; and the same bytes at every range.
    /// </summary>
    public async Task<byte[]> AssertSilencedAsync(Guid storyId, (long From, long To)[] silent, (long From, long To)[] heard)
    {
        var response = await Officer.GetAsync(Audio(storyId));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/mp4", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        var served = await response.Content.ReadAsByteArrayAsync();
        Assert.NotEqual(Speech.Bytes, served); // never the original

        var original = await Speech.DecodeAsync(Speech.Bytes);
        var samples = await Speech.DecodeAsync(served);
        foreach (var (from, to) in silent)
        {
            Assert.True(KnownSpeech.Rms(original, from, to) > 0.02, $"the original speaks in {from}–{to} ms");
            Assert.True(KnownSpeech.Rms(samples, from, to) < 0.001, $"silent in {from}–{to} ms, RMS {KnownSpeech.Rms(samples, from, to)}");
        }
        foreach (var (from, to) in heard)
        {
            var before = KnownSpeech.Rms(original, from, to);
            var after = KnownSpeech.Rms(samples, from, to);
            Assert.True(before > 0.02, $"the original speaks in {from}–{to} ms");
            Assert.InRange(after / before, 0.85, 1.15);
        }

        // Byte ranges, as a player seeking asks for them, are pieces of the same bytes.
        var size = served.Length;
        var pieces = new List<byte>();
        foreach (var (from, to) in new[] { (0, 999), (1000, size / 2), (size / 2 + 1, size - 1) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Audio(storyId));
            request.Headers.Range = new RangeHeaderValue(from, to);
            var part = await Officer.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal($"bytes {from}-{to}/{size}", part.Content.Headers.ContentRange!.ToString());
            pieces.AddRange(await part.Content.ReadAsByteArrayAsync());
        }
        Assert.Equal(served, pieces.ToArray());
        using (var suffix = new HttpRequestMessage(HttpMethod.Get, Audio(storyId)))
        {
            suffix.Headers.Range = new RangeHeaderValue(null, 500);
            Assert.Equal(served[^500..], await (await Officer.SendAsync(suffix)).Content.ReadAsByteArrayAsync());
        }
        Assert.Equal(served, await GetAudioAsync(Resident, storyId)); // made once, the same for every such reader
        return served;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in new[] { Facilitator, Officer, Resident }) c.Dispose();
        await App.DisposeAsync();
    }
}

public sealed class SilencedAudioTests(KnownSpeech speech) : IClassFixture<KnownSpeech>
{
    /// <summary>The name's words (2000–2800 ms) and the phrases around it, outside the 150 ms margin.</summary>
    private static readonly (long, long)[] Name = [(2000, 2800)];
    private static readonly (long, long)[] Around = [(100, 1250), (3650, 4650)];

    [Fact]
    public async Task A_reader_without_originals_hears_the_recording_with_only_the_silenced_name_silent_at_every_range()
    {
        await using var s = await SilencedAudioScenario.StartAsync(speech);
        var (storyId, recording) = await s.StoryAsync();
        await s.SilenceAsync("Fatima");

        var dto = (await s.Officer.GetFromJsonAsync<TranscriptDto>(s.Audio(storyId)[..^"/audio".Length] + "/transcript", TestJson.Options))!;
        Assert.Equal((true, true, false), (dto.AudioAvailable, dto.AudioSilenced, dto.AudioWithheld));

        await s.AssertSilencedAsync(storyId, Name, Around);
        var rendition = Assert.Single(await s.RenditionsAsync(storyId));
        Assert.True(await s.ExistsAsync(rendition.BlobName));
        Assert.Equal(recording.Id, rendition.RecordingId);

        // The facilitator (see-originals) hears the original, byte for byte.
        Assert.Equal(speech.Bytes, await s.GetAudioAsync(s.Facilitator, storyId));
        var facilitator = (await s.Facilitator.GetFromJsonAsync<TranscriptDto>(s.Audio(storyId)[..^"/audio".Length] + "/transcript", TestJson.Options))!;
        Assert.Equal((true, false, false), (facilitator.AudioAvailable, facilitator.AudioSilenced, facilitator.AudioWithheld));
        // ...unless asking for what the room may hear (the workshop spotlight).
        Assert.Equal(await s.GetAudioAsync(s.Officer, storyId), await s.GetAudioAsync(s.Facilitator, storyId, "?silenced=true"));
    }

    [Fact]
    public async Task Adding_or_removing_a_silenced_name_makes_the_copy_again_and_deletes_the_old_one()
    {
        await using var s = await SilencedAudioScenario.StartAsync(speech);
        var (storyId, _) = await s.StoryAsync();
        await s.SilenceAsync("fatima"); // case does not matter
        await s.GetAudioAsync(s.Officer, storyId);
        var first = Assert.Single(await s.RenditionsAsync(storyId));

        var houten = await s.SilenceAsync("Houten");
        Assert.Empty(await s.RenditionsAsync(storyId)); // deleted when the names changed
        Assert.False(await s.ExistsAsync(first.BlobName));
        await s.AssertSilencedAsync(storyId, [(800, 1250), .. Name], [(100, 450), (3650, 4650)]);
        var second = Assert.Single(await s.RenditionsAsync(storyId));
        Assert.NotEqual(first.Key, second.Key);

        Assert.Equal(HttpStatusCode.NoContent, (await s.Facilitator.DeleteAsync($"/api/projects/{s.ProjectId}/pseudonyms/{houten.Id}")).StatusCode);
        Assert.False(await s.ExistsAsync(second.BlobName));
        await s.AssertSilencedAsync(storyId, Name, Around);

        // The last silenced name gone: the original again, and no copy left behind.
        var fatima = (await s.Facilitator.GetFromJsonAsync<List<PseudonymDto>>($"/api/projects/{s.ProjectId}/pseudonyms", TestJson.Options))!.Single();
        var third = Assert.Single(await s.RenditionsAsync(storyId));
        Assert.Equal(HttpStatusCode.NoContent, (await s.Facilitator.DeleteAsync($"/api/projects/{s.ProjectId}/pseudonyms/{fatima.Id}")).StatusCode);
        Assert.Equal(speech.Bytes, await s.GetAudioAsync(s.Officer, storyId));
        Assert.Empty(await s.RenditionsAsync(storyId));
        Assert.False(await s.ExistsAsync(third.BlobName));
    }

    [Fact]
    public async Task Withdrawal_deletes_the_silenced_copy_with_the_original()
    {
        await using var s = await SilencedAudioScenario.StartAsync(speech);
        var (storyId, recording) = await s.StoryAsync();
        await s.SilenceAsync("Fatima");
        await s.GetAudioAsync(s.Officer, storyId);
        var rendition = Assert.Single(await s.RenditionsAsync(storyId));

        Assert.Equal(HttpStatusCode.NoContent, (await s.Facilitator.PostAsync($"/api/projects/{s.ProjectId}/stories/{storyId}/withdrawal", null)).StatusCode);
        Assert.False(await s.ExistsAsync(recording.BlobName));
        Assert.False(await s.ExistsAsync(rendition.BlobName));
        Assert.Empty(await s.RenditionsAsync(storyId));
        Assert.Equal(HttpStatusCode.NotFound, (await s.Officer.GetAsync(s.Audio(storyId))).StatusCode);
    }

    [Fact]
    public async Task Retention_deletes_the_silenced_copy_with_the_original()
    {
        await using var s = await SilencedAudioScenario.StartAsync(speech);
        var (storyId, recording) = await s.StoryAsync();
        await s.SilenceAsync("Fatima");
        await s.GetAudioAsync(s.Officer, storyId);
        var rendition = Assert.Single(await s.RenditionsAsync(storyId));
        var longAgo = s.App.Time.GetUtcNow().AddDays(-31);
        await s.App.WithDbAsync(async db =>
        {
            await db.Projects.Where(p => p.Id == s.ProjectId).ExecuteUpdateAsync(u => u.SetProperty(p => p.AudioRetentionDays, 30));
            await db.Recordings.Where(r => r.Id == recording.Id).ExecuteUpdateAsync(u => u.SetProperty(r => r.CreatedAt, longAgo));
        });

        await s.App.Services.GetRequiredService<AudioRetentionJob>().RunAsync(CancellationToken.None);
        Assert.False(await s.ExistsAsync(recording.BlobName));
        Assert.False(await s.ExistsAsync(rendition.BlobName));
        Assert.Empty(await s.RenditionsAsync(storyId));
        Assert.Equal(HttpStatusCode.Gone, (await s.Officer.GetAsync(s.Audio(storyId))).StatusCode);
    }

    [Fact]
    public async Task A_story_without_word_times_stays_withheld_and_says_why()
    {
        await using var s = await SilencedAudioScenario.StartAsync(speech);
        var (storyId, _) = await s.StoryAsync(wordTimes: false);
        await s.SilenceAsync("Fatima");

        var refused = await s.Officer.GetAsync(s.Audio(storyId));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("no word times", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await s.Officer.GetAsync(s.Audio(storyId) + "?silenced=true")).StatusCode);
        var dto = (await s.Officer.GetFromJsonAsync<TranscriptDto>(s.Audio(storyId)[..^"/audio".Length] + "/transcript", TestJson.Options))!;
        Assert.Equal((false, false, true), (dto.AudioAvailable, dto.AudioSilenced, dto.AudioWithheld));
        Assert.Empty(await s.RenditionsAsync(storyId));
        var page = WebUtility.HtmlDecode(await s.Officer.GetStringAsync($"/projects/{s.ProjectId}/stories/{storyId}"));
        Assert.Contains("wanneer elk woord gezegd wordt", page);
        // The facilitator still listens to the original.
        Assert.Equal(speech.Bytes, await s.GetAudioAsync(s.Facilitator, storyId));
    }

    [Fact]
    public async Task A_story_of_another_project_is_not_found_under_this_one()
    {
        await using var s = await SilencedAudioScenario.StartAsync(speech);
        var (foreign, _) = await s.StoryAsync(projectId: s.OtherProjectId);
        await s.SilenceAsync("Fatima");
        foreach (var client in new[] { s.Officer, s.Facilitator })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(s.Audio(foreign))).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(s.Audio(foreign) + "?silenced=true")).StatusCode);
        }
        Assert.Empty(await s.RenditionsAsync(foreign));
    }

    [Fact]
    public async Task A_project_export_gives_a_reader_without_originals_the_silenced_copy_and_leaves_out_audio_it_cannot_silence()
    {
        await using var s = await SilencedAudioScenario.StartAsync(speech);
        var (timed, timedRecording) = await s.StoryAsync();
        var (untimed, untimedRecording) = await s.StoryAsync(wordTimes: false);
        await s.SilenceAsync("Fatima");

        async Task<Dictionary<string, byte[]>> ExportAsync(HttpClient client)
        {
            var response = await client.GetAsync($"/api/projects/{s.ProjectId}/exchange/project.qdpx");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
            var entries = new Dictionary<string, byte[]>();
            foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith("sources/", StringComparison.Ordinal) && !e.FullName.EndsWith(".txt", StringComparison.Ordinal)))
            {
                using var bytes = new MemoryStream();
                await using (var open = entry.Open()) await open.CopyToAsync(bytes);
                entries[entry.FullName] = bytes.ToArray();
            }
            return entries;
        }

        var officer = await ExportAsync(s.Officer);
        var only = Assert.Single(officer);
        Assert.Equal($"sources/{timedRecording.Id:D}.m4a", only.Key);
        Assert.Equal(await s.GetAudioAsync(s.Officer, timed), only.Value);
        Assert.True(KnownSpeech.Rms(await speech.DecodeAsync(only.Value), 2000, 2800) < 0.001);

        var facilitator = await ExportAsync(s.Facilitator);
        Assert.Equal(2, facilitator.Count);
        Assert.Equal(speech.Bytes, facilitator[$"sources/{untimedRecording.Id:D}.m4a"]);
        Assert.Equal(speech.Bytes, facilitator[$"sources/{timedRecording.Id:D}.m4a"]);
        Assert.NotEqual(untimed, timed);
    }

    [Fact]
    public async Task A_name_a_correction_wrote_where_whisper_heard_something_else_silences_its_whole_segment()
    {
        await using var s = await SilencedAudioScenario.StartAsync(speech);
        var (storyId, _) = await s.StoryAsync();
        await s.SilenceAsync("Chaima");
        // Whisper heard "Fatima"; the facilitator corrects the name to "Chaima" in version 2.
        var segments = KnownSpeech.Segments.Select((x, i) => new { position = i, startMs = x.StartMs, endMs = x.EndMs,
            text = i == 1 ? "Chaima." : x.Text, speakerLabel = (string?)null });
        var corrected = await s.Facilitator.PostAsJsonAsync($"/api/projects/{s.ProjectId}/stories/{storyId}/corrections", new { baseVersion = 1, segments });
        Assert.Equal(HttpStatusCode.Created, corrected.StatusCode);

        await s.AssertSilencedAsync(storyId, Name, Around);
        await using var scope = s.App.Services.CreateAsyncScope();
        var plan = await scope.ServiceProvider.GetRequiredService<SilencedAudioService>().PlanAsync(storyId, 5500,
            (await scope.ServiceProvider.GetRequiredService<PseudonymService>().ForReaderAsync(s.ProjectId, storyId, false, CancellationToken.None)).Pseudonyms,
            CancellationToken.None);
        Assert.Equal(new[] { new AudioSpan(1850, 3650) }, plan.Spans); // the segment 2000–3500 with the 150 ms margin
    }
}

public sealed class SilencedSpotlightTests(KnownSpeech speech) : IClassFixture<KnownSpeech>
{
    [Fact]
    public async Task The_workshop_spotlight_plays_the_silenced_copy_to_the_room_whoever_runs_the_board()
    {
        await using var s = await SilencedAudioScenario.StartAsync(speech);
        var (storyId, _) = await s.StoryAsync();
        var (untimedId, _) = await s.StoryAsync(wordTimes: false);
        await s.SilenceAsync("Fatima");
        var theme = await AnalysisSeed.ThemeAsync(s.App, s.ProjectId, "Thuis");
        // "Fatima." is characters 19–26 of "Ik woon in Houten.\nFatima.\nHet is hier fijn."
        var coding = await AnalysisSeed.CodingAsync(s.App, s.ProjectId, storyId, theme, 19, 26, s.FacilitatorId, ProjectRole.Begeleider);
        var untimed = await AnalysisSeed.CodingAsync(s.App, s.ProjectId, untimedId, theme, 19, 26, s.FacilitatorId, ProjectRole.Begeleider);

        await using var scope = s.App.Services.CreateAsyncScope();
        var workshops = scope.ServiceProvider.GetRequiredService<WorkshopService>();
        var session = new WorkshopSession { ProjectId = s.ProjectId, Title = "Avond", Code = "ABCDEF", SpotlightCodingId = coding };
        var spot = (await workshops.SpotlightAsync(session, CancellationToken.None))!;
        Assert.Equal(s.Audio(storyId) + "?silenced=true", spot.AudioUrl);
        Assert.Equal("Persoon A.", spot.Text);
        // The board runs in a facilitator's browser, who may hear originals; the room still hears the silenced copy.
        var room = await s.GetAudioAsync(s.Facilitator, storyId, "?silenced=true");
        Assert.NotEqual(speech.Bytes, room);
        Assert.Equal(await s.GetAudioAsync(s.Officer, storyId), room);
        Assert.True(KnownSpeech.Rms(await speech.DecodeAsync(room), 2000, 2800) < 0.001);

        // Without word times the passage that says the name keeps its quote and loses its audio, as before.
        session.SpotlightCodingId = untimed;
        Assert.Null((await workshops.SpotlightAsync(session, CancellationToken.None))!.AudioUrl);
    }
}

[Collection(AzuriteCollection.Name)]
public sealed class AzureSilencedAudioTests(AzuriteFixture azurite, KnownSpeech speech) : IClassFixture<KnownSpeech>
{
    [Fact]
    public async Task On_Azure_Blob_Storage_the_silenced_copy_lies_beside_the_original_and_is_served_by_ranges()
    {
        await using var s = await SilencedAudioScenario.StartAsync(speech, new Dictionary<string, string?>
        {
            ["Storytelling:Storage:Provider"] = "AzureBlob",
            ["Storytelling:Storage:AzureBlobStore:ConnectionString"] = azurite.ConnectionString,
            ["Storytelling:Storage:AzureBlobStore:ContainerName"] = "silenced-" + Guid.NewGuid().ToString("N")[..16],
        });
        var (storyId, recording) = await s.StoryAsync();
        await s.SilenceAsync("Fatima");
        await s.AssertSilencedAsync(storyId, [(2000, 2800)], [(100, 1250), (3650, 4650)]);
        var rendition = Assert.Single(await s.RenditionsAsync(storyId));
        Assert.True(await s.ExistsAsync(rendition.BlobName));
        Assert.Equal(speech.Bytes, await s.GetAudioAsync(s.Facilitator, storyId));

        Assert.Equal(HttpStatusCode.NoContent, (await s.Facilitator.PostAsync($"/api/projects/{s.ProjectId}/stories/{storyId}/withdrawal", null)).StatusCode);
        Assert.False(await s.ExistsAsync(recording.BlobName));
        Assert.False(await s.ExistsAsync(rendition.BlobName));
    }
}
