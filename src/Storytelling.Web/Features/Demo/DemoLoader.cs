using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Identity;
using FFMpegCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Storytelling.Core.Analysis;
using Storytelling.Core.Audit;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Media;
using Storytelling.Core.People;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Core.Workshops;
using Storytelling.Web.Features.Reports;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Web.Features.Demo;

/// <summary>
/// Loads the demo project from samples/ (stories written by us, fictive names) so a newcomer finds a living workspace:
/// accounts, codebook, stories with real audio (espeak-ng, one sentence at a time, so every segment's time is exact),
/// transcripts, codings by residents and officials (dated over the pilot's weeks), a closed workshop with its votes and a
/// finished report. Loading twice changes nothing.
/// The transcripts are the written text aligned to the synthesised audio (origin Imported), not a Whisper run:
/// no model weights can be assumed on a fresh machine, and an invented machine transcript would be fake.
/// </summary>
public sealed partial class DemoLoader(
    StorytellingDbContext db, UserManager<Person> users, IMediaStore store, IMediaProbe probe, CodingService codings,
    ReportsService reports, IOptions<MediaOptions> media, TimeProvider time, ILogger<DemoLoader> logger)
{
    private const int SilenceBetweenSentencesMs = 450;

    public sealed record Result(bool Loaded, string ProjectName, Guid ProjectId, IReadOnlyList<string> Accounts);

    /// <summary>Loads <paramref name="demoFile"/> unless a project with its name exists. Every account gets <paramref name="password"/>.</summary>
    public Task<Result> LoadAsync(string demoFile, string password, CancellationToken ct) => LoadAsync(demoFile, password, DefaultBaseUrl, ct);

    /// <summary>As above; <paramref name="baseUrl"/> is where the demo's report links to its stories (the address the app runs at).</summary>
    public async Task<Result> LoadAsync(string demoFile, string password, string baseUrl, CancellationToken ct)
    {
        var demo = JsonSerializer.Deserialize<DemoFile>(await File.ReadAllTextAsync(demoFile, ct), Json)
            ?? throw new InvalidDataException($"{demoFile} holds no demo project.");
        var accounts = demo.People.Select(p => $"{p.Email} ({string.Join(", ", p.Roles)})").ToList();
        var existing = await db.Projects.Where(p => p.Name == demo.Project.Name).Select(p => (Guid?)p.Id).FirstOrDefaultAsync(ct);
        if (existing is not null) return new Result(false, demo.Project.Name, existing.Value, accounts);

        var now = time.GetUtcNow();
        var people = new Dictionary<string, Person>();
        // A demo person acts in the project with their first role (codings and workshop votes count for it).
        var roles = demo.People.ToDictionary(p => p.Key, p => p.Roles[0]);
        foreach (var p in demo.People)
        {
            var person = await users.FindByEmailAsync(p.Email);
            if (person is null)
            {
                person = new Person { UserName = p.Email, Email = p.Email, EmailConfirmed = true, DisplayName = p.Name, CreatedAt = now };
                var created = await users.CreateAsync(person, password);
                if (!created.Succeeded) throw new InvalidOperationException("Demo account " + p.Email + ": " + string.Join(" ", created.Errors.Select(e => e.Description)));
            }
            people[p.Key] = person;
        }

        var project = new Project
        {
            Name = demo.Project.Name,
            GuidingQuestion = demo.Project.Question,
            DefaultLanguage = demo.Project.Language,
            AllowedLanguages = [demo.Project.Language, "en", "ar"],
            Phase = ProjectPhase.CoEvaluate,
            CreatedAt = now.AddDays(-70),
            PublishedUpdate = demo.Project.PublishedUpdate,
            PublishedUpdateAt = demo.Project.PublishedUpdate is null ? null : now.AddDays(-18),
        };
        db.Projects.Add(project);
        foreach (var p in demo.People)
            foreach (var role in p.Roles)
                db.Memberships.Add(new ProjectMembership { ProjectId = project.Id, PersonId = people[p.Key].Id, Role = role, GrantedAt = now });

        var themes = new Dictionary<string, Theme>();
        foreach (var t in demo.Themes)
        {
            var theme = new Theme
            {
                ProjectId = project.Id, Name = t.Name, Description = t.Description, Colour = t.Colour, Kind = t.Kind,
                ParentId = t.Parent is null ? null : themes[t.Parent].Id, CreatedByPersonId = people["begeleider"].Id, CreatedAt = now.AddDays(-AnalysisBeganDaysAgo),
            };
            themes[t.Key] = theme;
            db.Themes.Add(theme);
        }
        // The Houten loop as it went: gathered, analysed together, experimented, now evaluating with a second round.
        (ProjectPhase From, ProjectPhase To, int DaysAgo, string Note)[] phases =
        [
            (ProjectPhase.Gather, ProjectPhase.Analyse, 40, "14 verhalen opgehaald."),
            (ProjectPhase.Analyse, ProjectPhase.Experiment, 21, "Verandermoment gehouden; drie thema's gekozen."),
            (ProjectPhase.Experiment, ProjectPhase.CoEvaluate, 15, "Eerste evaluatieronde geopend."),
        ];
        foreach (var (from, to, daysAgo, note) in phases)
            db.ProjectPhaseChanges.Add(new ProjectPhaseChange { ProjectId = project.Id, From = from, To = to, ByPersonId = people["begeleider"].Id, At = now.AddDays(-daysAgo), Note = note });
        var round = new EvaluationRound
        {
            ProjectId = project.Id, Number = demo.Round.Number, Question = demo.Round.Question, OpensAt = now.AddDays(-15),
            CreatedByPersonId = people["begeleider"].Id, CreatedAt = now.AddDays(-15),
        };
        db.EvaluationRounds.Add(round);
        foreach (var p in demo.Pseudonyms)
            db.Pseudonyms.Add(new Pseudonym { ProjectId = project.Id, Original = p.Original, Replacement = p.Replacement, CreatedByPersonId = people["begeleider"].Id, CreatedAt = now });
        db.Record(time, "demo.loaded", null, project.Id, "project", project.Id);
        await db.SaveChangesAsync(ct);

        var stories = new Dictionary<string, Story>();
        var work = Directory.CreateTempSubdirectory("storytelling-demo-");
        try
        {
            for (var i = 0; i < demo.Stories.Count; i++)
            {
                var s = demo.Stories[i];
                // The first gathering over the weeks before the analysis began (day -40), the round's stories since it opened (day -15).
                var received = s.Round is null ? now.AddDays(-66 + i * 1.8) : now.AddDays(-14 + 3 * demo.Stories.Take(i).Count(x => x.Round is not null));
                stories[s.Key] = await AddStoryAsync(project, s, s.Round is null ? null : round.Id, received, work.FullName, ct);
            }
        }
        finally
        {
            work.Delete(recursive: true);
        }

        // Codings get the dates they had in the pilot: the first gathering's over the analysis weeks (day -40 to the
        // workshop on day -21), a round's story the days after it came in. A report's method section reads them.
        var firstGathering = demo.Stories.Where(s => s.Round is null).SelectMany(s => s.Codings).Count();
        var coded = 0;
        foreach (var s in demo.Stories)
        {
            var story = stories[s.Key];
            var codedAt = new List<(Guid Id, DateTimeOffset At)>();
            var segments = await db.TranscriptSegments.AsNoTracking()
                .Where(x => x.TranscriptId == db.Transcripts.Where(t => t.StoryId == story.Id).Select(t => t.Id).First())
                .OrderBy(x => x.Position).ToListAsync(ct);
            var text = TranscriptText.From(segments);
            foreach (var c in s.Codings)
            {
                var author = people[c.By];
                var role = roles[c.By];
                var start = text.Text.IndexOf(segments[c.From].Text, StringComparison.Ordinal);
                var last = text.Text.IndexOf(segments[c.To].Text, start, StringComparison.Ordinal) + segments[c.To].Text.Length;
                var result = await codings.CreateAsync(project.Id, new NewCoding(story.Id, themes[c.Theme].Id, start, last, null),
                    new CodingAuthor(author.Id, role, author.DisplayName), ct);
                if (result.Errors is not null) throw new InvalidOperationException($"Demo coding in {s.Key} refused: {string.Join(" ", result.Errors.SelectMany(e => e.Value))}");
                var at = s.Round is null
                    ? now.AddDays(-AnalysisBeganDaysAgo).AddHours((AnalysisBeganDaysAgo - WorkshopDaysAgo - 1) * 24.0 * coded++ / Math.Max(1, firstGathering))
                    : story.CreatedAt.AddDays(1).AddMinutes(20 * codedAt.Count);
                codedAt.Add((result.Coding!.Id, at));
            }
            foreach (var (id, at) in codedAt)
                await db.Codings.Where(c => c.Id == id).ExecuteUpdateAsync(u => u.SetProperty(c => c.CreatedAt, at), ct);
        }

        await AddWorkshopAsync(project, demo.Workshop, people, roles, themes, now, ct);

        var e = demo.Experiment;
        db.Experiments.Add(new Experiment
        {
            ProjectId = project.Id, Title = e.Title, Description = e.Description, OwnerName = e.Owner, Status = e.Status, Results = e.Results,
            StartsOn = DateOnly.FromDateTime(now.AddDays(-20).UtcDateTime), CreatedByPersonId = people["beleid"].Id, CreatedAt = now.AddDays(-20), UpdatedAt = now.AddDays(-2),
            Themes = e.Themes.Select(t => new ExperimentTheme { ThemeId = themes[t].Id }).ToList(),
            Stories = e.Stories.Select(k => new ExperimentStory { StoryId = stories[k].Id }).ToList(),
        });
        await db.SaveChangesAsync(ct);
        await AddReportAsync(project, people["beleid"].Id, baseUrl, ct);
        LogLoaded(logger, project.Id, stories.Count);
        return new Result(true, project.Name, project.Id, accounts);
    }

    private async Task<Story> AddStoryAsync(Project project, DemoStory s, Guid? roundId, DateTimeOffset received, string work, CancellationToken ct)
    {
        var audio = Path.Combine(work, s.Key + ".ogg");
        var timings = await SynthesiseAsync(s.Sentences, Path.Combine(work, s.Key), audio, ct);
        var probed = await probe.ProbeAsync(audio, ct);
        if (!probed.Succeeded) throw new InvalidOperationException($"The synthesised audio of demo story {s.Key} did not probe: {probed.Failure}.");
        StoredMedia stored;
        await using (var file = File.OpenRead(audio)) stored = await store.SaveAsync(file, probed.MediaType, ct);

        // The receipt code is dropped: no teller holds a demo story.
        var (story, _) = await StoryFactory.AddAsync(db, project.Id, s.Pseudonym,
            new Consent { Scopes = s.Consent.Aggregate(ConsentScopes.None, (a, b) => a | b), GivenAt = received, Method = ConsentMethod.GivenOnline },
            received, ct);
        story.EvaluationRoundId = roundId;
        story.Status = StoryStatus.Transcribed;
        story.Language = project.DefaultLanguage;
        story.Recordings.Add(new Recording
        {
            BlobName = stored.BlobName, Format = probed.FormatName, MediaType = probed.MediaType, DurationMs = probed.DurationMs,
            SizeBytes = stored.SizeBytes, Sha256 = stored.Sha256, CreatedAt = received,
        });
        var transcript = new Transcript { Version = 1, Origin = TranscriptOrigin.Imported, Language = project.DefaultLanguage, CreatedAt = received };
        for (var i = 0; i < s.Sentences.Count; i++)
            transcript.Segments.Add(new TranscriptSegment
            {
                Position = i, StartMs = timings[i].StartMs, EndMs = timings[i].EndMs, Text = s.Sentences[i],
                Language = project.DefaultLanguage, SpeakerLabel = "verteller",
            });
        story.Transcripts.Add(transcript);
        db.Record(time, "story.received", null, project.Id, "story", story.Id);
        await db.SaveChangesAsync(ct);
        return story;
    }


    /// <summary>
    /// Speaks each sentence with espeak-ng, joins the PCM with short pauses into one WAV and encodes it as Opus in Ogg
    /// (what a phone's recorder would send). The sample counts give each sentence's exact start and end.
    /// </summary>
    private async Task<List<(long StartMs, long EndMs)>> SynthesiseAsync(List<string> sentences, string prefix, string output, CancellationToken ct)
    {
        var timings = new List<(long, long)>();
        var pcm = new MemoryStream();
        var rate = 0;
        for (var i = 0; i < sentences.Count; i++)
        {
            var wav = $"{prefix}-{i}.wav";
            await RunAsync("espeak-ng", ["-v", "nl", "-s", "150", "-w", wav, sentences[i]], ct);
            var (sampleRate, samples) = ReadPcm16Mono(await File.ReadAllBytesAsync(wav, ct));
            if (rate != 0 && rate != sampleRate) throw new InvalidDataException("espeak-ng changed its sample rate between sentences.");
            rate = sampleRate;
            if (i > 0) pcm.Write(new byte[SilenceBetweenSentencesMs * rate / 1000 * 2]);
            var start = pcm.Length / 2 * 1000 / rate;
            pcm.Write(samples);
            timings.Add((start, pcm.Length / 2 * 1000 / rate));
        }
        var joined = prefix + ".wav";
        await File.WriteAllBytesAsync(joined, WavFile(rate, pcm.ToArray()), ct);
        await EncodeOpusAsync(joined, output, ct);
        return timings;
    }

    // The same ffmpeg the probe uses (Storytelling:Media:FfmpegPath), run by FFMpegCore; cancelling kills it.
    private async Task EncodeOpusAsync(string wav, string output, CancellationToken ct)
    {
        var input = "file:" + Path.GetFullPath(wav);
        using var call = new ToolCancellation(input, ct);
        FFMpegResult result;
        try
        {
            result = await FFMpegArguments
                .FromFileInput(input, verifyExists: false, o => o.WithCustomArgument("-hide_banner -v error -nostdin"))
                .OutputToFile(output, overwrite: true, o => o.WithCustomArgument("-c:a libopus -b:a 32k"))
                .CancellableThrough(call.Token, TimeSpan.Zero)
                .ProcessAsynchronously(throwOnError: false, MediaTools.FfmpegOptions(media.Value), CancellationToken.None);
        }
        catch (Exception e) when (MediaTools.IsToolMissing(e))
        {
            throw new InvalidOperationException("The demo needs ffmpeg; install it (infra/run.sh does: apt-get install espeak-ng ffmpeg).", e);
        }
        ct.ThrowIfCancellationRequested();
        if (result.ExitCode != 0) throw new InvalidOperationException($"ffmpeg failed (exit {result.ExitCode}): {string.Join(' ', result.StandardError).Trim()}");
    }

    /// <summary>The PCM of a 16-bit mono WAV file such as espeak-ng writes (chunks walked, not assumed at offset 44).</summary>
    internal static (int SampleRate, byte[] Samples) ReadPcm16Mono(byte[] wav)
    {
        if (wav.Length < 12 || wav[0] != 'R' || wav[1] != 'I' || wav[2] != 'F' || wav[3] != 'F') throw new InvalidDataException("Not a WAV file.");
        int rate = 0, channels = 0, bits = 0;
        for (var at = 12; at + 8 <= wav.Length;)
        {
            var id = System.Text.Encoding.ASCII.GetString(wav, at, 4);
            var size = BitConverter.ToInt32(wav, at + 4);
            // espeak-ng writing to a file leaves the data size at its placeholder when it cannot seek; take what is there.
            if (id == "data") return (rate is 0 || channels != 1 || bits != 16 ? throw new InvalidDataException("Expected 16-bit mono PCM.") : rate,
                wav[(at + 8)..Math.Min(wav.Length, at + 8 + (size < 0 ? int.MaxValue - at - 8 : size))]);
            if (id == "fmt ")
            {
                channels = BitConverter.ToInt16(wav, at + 10);
                rate = BitConverter.ToInt32(wav, at + 12);
                bits = BitConverter.ToInt16(wav, at + 22);
            }
            at += 8 + size + (size & 1);
        }
        throw new InvalidDataException("The WAV file has no data chunk.");
    }

    private static byte[] WavFile(int rate, byte[] pcm)
    {
        using var m = new MemoryStream();
        using var w = new BinaryWriter(m);
        w.Write("RIFF"u8); w.Write(36 + pcm.Length); w.Write("WAVE"u8);
        w.Write("fmt "u8); w.Write(16); w.Write((short)1); w.Write((short)1); w.Write(rate); w.Write(rate * 2); w.Write((short)2); w.Write((short)16);
        w.Write("data"u8); w.Write(pcm.Length); w.Write(pcm);
        w.Flush();
        return m.ToArray();
    }

    private static async Task RunAsync(string tool, IEnumerable<string> arguments, CancellationToken ct)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException(tool + " did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"The demo needs {tool}; install it (infra/run.sh does: apt-get install espeak-ng ffmpeg).", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync(ct);
            _ = process.StandardOutput.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} failed (exit {process.ExitCode}): {(await stderr).Trim()}");
        }
    }

    private async Task AddWorkshopAsync(Project project, DemoWorkshop w, Dictionary<string, Person> people, Dictionary<string, ProjectRole> roles, Dictionary<string, Theme> themes,
        DateTimeOffset now, CancellationToken ct)
    {
        var opened = now.AddDays(-WorkshopDaysAgo);
        var session = new WorkshopSession
        {
            ProjectId = project.Id, Title = w.Title, Code = Workshops.WorkshopCodes.New(),
            OpenedByPersonId = people["begeleider"].Id, OpenedAt = opened, ClosedAt = opened.AddHours(2), VotesPerParticipant = w.VotesPerParticipant,
        };
        db.WorkshopSessions.Add(session);
        foreach (var p in w.Participants)
        {
            var participant = new WorkshopParticipant
            {
                SessionId = session.Id, DisplayName = p.Name, PersonId = p.Person is null ? null : people[p.Person].Id, JoinedAt = opened,
                Role = p.Person is null ? ProjectRole.Bewoner : roles[p.Person],
            };
            db.WorkshopParticipants.Add(participant);
            foreach (var theme in p.Votes.Take(w.VotesPerParticipant))
                db.ThemeVotes.Add(new ThemeVote { SessionId = session.Id, ParticipantId = participant.Id, ThemeId = themes[theme].Id, At = opened.AddMinutes(90) });
        }
        await db.SaveChangesAsync(ct);
    }

    private const int AnalysisBeganDaysAgo = 40, WorkshopDaysAgo = 21;
    public const string DefaultBaseUrl = "http://127.0.0.1:5080";
    public const string ReportTitle = "Wat bewoners ons vertelden over werk";

    /// <summary>
    /// A finished report, so a policy officer opening the demo sees a beleidsnota at once: the workshop's top four
    /// themes in its order, each with its two most-coded quotable passages, drafted as the report page would.
    /// </summary>
    private async Task AddReportAsync(Project project, Guid officer, string baseUrl, CancellationToken ct)
    {
        var candidates = await reports.CandidatesAsync(project.Id, ct);
        var chosen = candidates.Where(t => t.Votes > 0).Take(4)
            .Select(t => new ChosenTheme(t.ThemeId, t.Quotes.Take(2).Select(q => q.CodingId).ToList())).ToList();
        var result = await reports.CreateAsync(project.Id, new CreateReportRequest(ReportTitle, chosen), baseUrl, officer, ct);
        if (result.Report is null) throw new InvalidOperationException("The demo report was refused: " + string.Join(" ", result.Errors?.SelectMany(e => e.Value) ?? []));
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo project {ProjectId} loaded with {StoryCount} stories")]
    private static partial void LogLoaded(ILogger logger, Guid projectId, int storyCount);

    private sealed record DemoFile(DemoProject Project, List<DemoPerson> People, List<DemoTheme> Themes, List<DemoStory> Stories, DemoWorkshop Workshop,
        DemoExperiment Experiment, DemoRound Round, List<DemoPseudonym> Pseudonyms);
    private sealed record DemoExperiment(string Title, string Description, string Owner, ExperimentStatus Status, string? Results, List<string> Themes, List<string> Stories);
    private sealed record DemoRound(int Number, string Question);
    private sealed record DemoPseudonym(string Original, string Replacement);
    private sealed record DemoProject(string Name, string Question, string Language, string? PublishedUpdate);
    private sealed record DemoPerson(string Key, string Email, string Name, List<ProjectRole> Roles);
    private sealed record DemoTheme(string Key, string? Parent, string Name, ThemeKind Kind, string Colour, string? Description);
    private sealed record DemoStory(string Key, string Pseudonym, int? Round, List<ConsentScopes> Consent, List<string> Sentences, List<DemoCoding> Codings);
    private sealed record DemoCoding(int From, int To, string Theme, string By);
    private sealed record DemoWorkshop(string Title, int VotesPerParticipant, List<DemoParticipant> Participants);
    private sealed record DemoParticipant(string Name, string? Person, List<string> Votes);
}
