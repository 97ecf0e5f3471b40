using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Configuration;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;

namespace Storytelling.Benchmarks;

/// <summary>
/// The codings CSV of a large project (500 stories of 200 segments, 40 codings each = 20,000 rows, 20 pseudonyms) and
/// the WebVTT of a 2-hour story, downloaded from the real server: time to the last byte, and how much the server's
/// resident memory grows while the CSV streams (it should not grow with the size of the file).
/// </summary>
internal static class ExportsBenchmark
{
    private const int Stories = 500;
    private const int SegmentsPerStory = 200;
    private const int CodingsPerStory = 40;
    private const int LongStorySegments = 1500;

    private static readonly string[] Sentences =
    [
        "Ik werkte dertig jaar in de bouw en toen ging mijn rug kapot, zei Jan de Vries.",
        "Bij het werkplein in Houten kreeg ik formulieren, maar niemand vroeg wat ik kon.",
        "Mijn buurvrouw nam me mee naar het \"repaircafé\" in de wijk.",
        "=Daar repareer ik nu fietsen en de jongens uit de straat kijken mee.",
    ];

    public static async Task RunAsync(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        await using var server = await RealServer.StartAsync();
        var seeding = Stopwatch.StartNew();
        var (projectId, longStoryId) = await SeedAsync(server.DatabasePath);
        Console.WriteLine($"  seeded in {seeding.Elapsed.TotalSeconds:F1} s");

        using var http = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        (await http.PostAsJsonAsync("/api/account/login", new { email = "bench@example.org", password = RealServer.AdminPasswordForBenchmarks })).EnsureSuccessStatusCode();

        var csvMs = new List<double>();
        var vttMs = new List<double>();
        var growth = new List<double>();
        long csvBytes = 0, rows = 0, vttBytes = 0;
        for (var i = 0; i <= repetitions; i++)
        {
            var before = Harness.ResidentBytes(server.ProcessId);
            long peak = before;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, Harness.ResidentBytes(server.ProcessId));
                    try { await Task.Delay(20, sampling.Token); } catch (OperationCanceledException) { }
                }
            });
            var watch = Stopwatch.StartNew();
            using (var response = await http.GetAsync($"/api/projects/{projectId}/codings.csv", HttpCompletionOption.ResponseHeadersRead))
            {
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync();
                var buffer = new byte[64 * 1024];
                int n;
                csvBytes = 0;
                rows = 0;
                while ((n = await body.ReadAsync(buffer)) > 0)
                {
                    csvBytes += n;
                    for (var k = 0; k < n; k++) if (buffer[k] == (byte)'\n') rows++;
                }
            }
            var csv = watch.Elapsed.TotalMilliseconds;
            await sampling.CancelAsync();
            await sampler;

            watch.Restart();
            var vtt = await http.GetByteArrayAsync($"/api/projects/{projectId}/stories/{longStoryId}/transcript.vtt");
            var vttTime = watch.Elapsed.TotalMilliseconds;
            vttBytes = vtt.Length;
            if (i == 0) continue; // warm-up
            csvMs.Add(csv);
            vttMs.Add(vttTime);
            growth.Add((peak - before) / 1024.0 / 1024.0);
            Console.WriteLine($"  run {i}: csv {csv:F0} ms ({csvBytes / 1024.0 / 1024.0:F1} MB, {rows - 1} rows, RSS +{(peak - before) / 1024.0 / 1024.0:F1} MB), vtt {vttTime:F0} ms");
        }
        if (rows - 1 != Stories * CodingsPerStory) throw new InvalidOperationException($"The CSV had {rows - 1} rows, not {Stories * CodingsPerStory}.");

        var body2 = string.Create(CultureInfo.InvariantCulture, $"""
            Machine: {Harness.Machine()}. Date: {DateTime.UtcNow:yyyy-MM-dd}.
            Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- exports {repetitions}`.

            The real server on 127.0.0.1 (SQLite). A project of {Stories} stories × {SegmentsPerStory} segments with {CodingsPerStory} codings each ({Stories * CodingsPerStory} CSV rows) and 20 project-wide pseudonyms (every quote is cut from pseudonymised text through the offset mapping); one 2-hour story of {LongStorySegments} segments as WebVTT. {repetitions} runs after one warm-up; medians. "RSS growth" = the server's peak resident memory while the CSV streams, minus before.

            | measure | median | max |
            |---|---|---|
            | codings.csv, request → last byte ({csvBytes / 1024.0 / 1024.0:F1} MB) | {Harness.Median(csvMs):F0} ms | {csvMs.Max():F0} ms |
            | codings.csv, rows per second | {Stories * CodingsPerStory / (Harness.Median(csvMs) / 1000):F0} | |
            | server RSS growth during the CSV | {Harness.Median(growth):F1} MB | {growth.Max():F1} MB |
            | transcript.vtt of a 2-hour story ({vttBytes / 1024.0:F0} KB) | {Harness.Median(vttMs):F0} ms | {vttMs.Max():F0} ms |
            """);
        Harness.WriteSection("Exports: codings CSV of a large project, WebVTT of a 2-hour story", body2);
        Console.WriteLine(body2);
    }

    private static async Task<(Guid ProjectId, Guid LongStoryId)> SeedAsync(string databasePath)
    {
        var builder = new DbContextOptionsBuilder<StorytellingDbContext>();
        CoreServiceCollectionExtensions.ConfigureDatabase(builder, new DatabaseOptions { ConnectionString = $"Data Source={databasePath}" });
        await using var db = new StorytellingDbContext(builder.Options);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var admin = await db.Users.SingleAsync(u => u.Email == "bench@example.org");
        var project = await db.Projects.FirstAsync();
        var now = DateTimeOffset.UtcNow;
        db.Memberships.Add(new ProjectMembership { ProjectId = project.Id, PersonId = admin.Id, Role = ProjectRole.Begeleider, GrantedAt = now });
        var themes = Enumerable.Range(1, 10).Select(i => new Theme { ProjectId = project.Id, Name = "Thema " + i, CreatedAt = now }).ToList();
        db.Themes.AddRange(themes);
        db.Pseudonyms.Add(new Pseudonym { ProjectId = project.Id, Original = "Jan de Vries", Replacement = "Persoon A", CreatedAt = now });
        db.Pseudonyms.Add(new Pseudonym { ProjectId = project.Id, Original = "Houten", Replacement = "Plaats A", CreatedAt = now });
        for (var p = 0; p < 18; p++)
            db.Pseudonyms.Add(new Pseudonym { ProjectId = project.Id, Original = "Naam" + p, Replacement = "Persoon " + (char)('B' + p), CreatedAt = now });
        await db.SaveChangesAsync();

        Guid longStory = default;
        for (var s = 0; s <= Stories; s++)
        {
            var segments = s == Stories ? LongStorySegments : SegmentsPerStory;
            var story = new Story
            {
                ProjectId = project.Id, TellerPseudonym = $"Verteller {s + 1}", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = now.AddSeconds(s),
                Status = StoryStatus.Transcribed, Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = now },
            };
            var transcript = new Transcript { StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", ModelName = "ggml-base.bin", CreatedAt = now };
            var offset = 0;
            var codings = new List<Coding>();
            for (var i = 0; i < segments; i++)
            {
                var text = Sentences[i % Sentences.Length];
                transcript.Segments.Add(new TranscriptSegment
                {
                    Position = i, StartMs = i * 4800L, EndMs = i * 4800L + 4500, Text = text, SpeakerLabel = i % 7 == 0 ? "interviewer" : "verteller",
                });
                if (s < Stories && i % (SegmentsPerStory / CodingsPerStory) == 0)
                    codings.Add(new Coding
                    {
                        ThemeId = themes[i % themes.Count].Id, TranscriptId = transcript.Id, StartChar = offset, EndChar = offset + text.Length,
                        StartMs = i * 4800L, EndMs = i * 4800L + 4500, AuthorPersonId = admin.Id, AuthorRole = ProjectRole.Bewoner, CreatedAt = now,
                    });
                offset += text.Length + 1;
            }
            db.Stories.Add(story);
            db.Transcripts.Add(transcript);
            db.Codings.AddRange(codings);
            if (s == Stories) longStory = story.Id;
            if (s % 50 == 0 || s == Stories)
            {
                await db.SaveChangesAsync();
                db.ChangeTracker.Clear();
            }
        }
        return (project.Id, longStory);
    }
}
