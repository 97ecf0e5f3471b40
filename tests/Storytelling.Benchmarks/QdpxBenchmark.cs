using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
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
/// REFI-QDA export of a large project through the real server: 1,000 stories of about 2 minutes (24 segments each)
/// with 20,000 codings, in SQLite, downloaded as .qdpx without audio. Measured: time to the last byte and the server's
/// resident memory above its level before the request (sampled every 20 ms). Goal: under 10 s, memory bounded.
/// Run once as a policy officer (every text pseudonymised and offsets mapped) and once as a facilitator (originals).
/// </summary>
internal static class QdpxBenchmark
{
    private const int Stories = 1000;
    private const int SegmentsPerStory = 24;
    private const int CodingsPerStory = 20;

    private static readonly string[] Sentences =
    [
        "Ik werkte dertig jaar in de bouw en toen ging mijn rug kapot, zei Jan.",
        "Bij het werkplein in Houten kreeg ik formulieren, maar niemand vroeg wat ik kon.",
        "Mijn buurvrouw Fatima nam me mee naar het repaircafé in de wijk.",
        "Daar repareer ik nu fietsen en de jongens uit de straat kijken mee.",
        "Het is geen betaald werk, maar ik voel me weer nodig.",
        "De gemeente zou dit soort plekken moeten zien als echt werk.",
    ];

    public static async Task RunAsync(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        await using var server = await RealServer.StartAsync();
        var seedClock = Stopwatch.StartNew();
        var projectId = await SeedAsync(server.DatabasePath, ProjectRole.Beleidsmedewerker);
        Console.WriteLine($"  seeded {Stories} stories, {Stories * CodingsPerStory} codings in {seedClock.Elapsed.TotalSeconds:F1} s");

        using var http = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        (await http.PostAsJsonAsync("/api/account/login", new { email = "bench@example.org", password = RealServer.AdminPasswordForBenchmarks })).EnsureSuccessStatusCode();

        var rows = new List<string>();
        foreach (var role in new[] { ProjectRole.Beleidsmedewerker, ProjectRole.Begeleider })
        {
            await SetRoleAsync(server.DatabasePath, projectId, role);
            var seconds = new List<double>();
            var growth = new List<double>();
            long bytes = 0;
            for (var i = 0; i <= repetitions; i++)
            {
                var (elapsed, peakGrowth, size) = await ExportOnceAsync(http, server.ProcessId, projectId);
                bytes = size;
                if (i == 0) { Console.WriteLine($"  {role} warm-up: {elapsed:F2} s"); continue; }
                seconds.Add(elapsed);
                growth.Add(peakGrowth / 1024.0 / 1024.0);
                Console.WriteLine($"  {role} run {i}: {elapsed:F2} s, peak RSS +{peakGrowth / 1024 / 1024} MiB, {size / 1024} KiB");
            }
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {(role == ProjectRole.Begeleider ? "facilitator (originals)" : "policy officer (pseudonymised)")} | {Harness.Median(seconds):F2} | {seconds.Max():F2} | {Harness.Median(growth):F0} | {growth.Max():F0} | {bytes / 1024 / 1024.0:F1} |"));
        }

        var body = string.Create(CultureInfo.InvariantCulture, $"""
            Machine: {Harness.Machine()}. Date: {DateTime.UtcNow:yyyy-MM-dd}.
            Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- qdpx {repetitions}`.

            {Stories} stories × {SegmentsPerStory} segments (≈2 min each, ≈1,700 characters), {Stories * CodingsPerStory:N0} codings over 12 themes, 3 project-wide pseudonyms
            that occur in every segment's text, SQLite, the real server on 127.0.0.1. `GET …/exchange/project.qdpx?audio=false`, body read to the last byte.
            "RSS growth" = the server's peak resident memory during the request (sampled every 20 ms) minus its level just before. {repetitions} runs after one warm-up; medians.

            | caller | time median (s) | time max (s) | RSS growth median (MiB) | RSS growth max (MiB) | .qdpx (MiB) |
            |---|---|---|---|---|---|
            {string.Join("\n", rows)}

            Goal: under 10 s with bounded memory. Memory is bounded by design: stories are read {Stories / 10} at a time (`RefiQdaExport.BatchSize` = 100), each text goes
            straight into the zip, project.qde is written to a temporary file beside it, and the finished file is streamed from disk.
            """);
        Harness.WriteSection("Exchange: .qdpx export of 1,000 stories with 20,000 codings", body);
        Console.WriteLine(body);
    }

    /// <summary>
    /// REFI-QDA import of the same 1,000-story, 20,000-coding project (our own export, as a facilitator, without audio)
    /// into a fresh empty project each run, through the real server: time to the answer and the server's peak resident
    /// memory above its level before the request.
    /// </summary>
    public static async Task RunImportAsync(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        await using var server = await RealServer.StartAsync();
        var projectId = await SeedAsync(server.DatabasePath, ProjectRole.Begeleider);
        using var http = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        (await http.PostAsJsonAsync("/api/account/login", new { email = "bench@example.org", password = RealServer.AdminPasswordForBenchmarks })).EnsureSuccessStatusCode();
        var qdpx = await http.GetByteArrayAsync($"/api/projects/{projectId}/exchange/project.qdpx?audio=false");
        Console.WriteLine($"  .qdpx of {qdpx.Length / 1024} KiB");

        var seconds = new List<double>();
        var growth = new List<double>();
        for (var i = 0; i <= repetitions; i++)
        {
            var target = await EmptyProjectAsync(server.DatabasePath, "Import " + i);
            GC.Collect();
            await Task.Delay(500);
            var baseline = Harness.ResidentBytes(server.ProcessId);
            var peak = baseline;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, Harness.ResidentBytes(server.ProcessId));
                    try { await Task.Delay(20, sampling.Token); } catch (OperationCanceledException) { }
                }
            });
            var clock = Stopwatch.StartNew();
            using var content = new ByteArrayContent(qdpx);
            content.Headers.ContentType = new("application/zip");
            using var response = await http.PostAsync($"/api/projects/{target}/exchange/project?consentConfirmed=true", content);
            var answer = await response.Content.ReadAsStringAsync();
            var elapsed = clock.Elapsed.TotalSeconds;
            await sampling.CancelAsync();
            await sampler;
            if (!response.IsSuccessStatusCode || !answer.Contains($"\"stories\":{Stories},", StringComparison.Ordinal)
                || !answer.Contains($"\"codings\":{Stories * CodingsPerStory},", StringComparison.Ordinal))
                throw new InvalidOperationException($"The import answered {(int)response.StatusCode}: {answer[..Math.Min(300, answer.Length)]}");
            if (i == 0) { Console.WriteLine($"  warm-up: {elapsed:F2} s"); continue; }
            seconds.Add(elapsed);
            growth.Add((peak - baseline) / 1024.0 / 1024.0);
            Console.WriteLine($"  run {i}: {elapsed:F2} s, peak RSS +{(peak - baseline) / 1024 / 1024} MiB");
        }
        var body = string.Create(CultureInfo.InvariantCulture, $"""
            Machine: {Harness.Machine()}. Date: {DateTime.UtcNow:yyyy-MM-dd}.
            Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- qdpx-import {repetitions}`.

            The project of the export benchmark above ({Stories} stories × {SegmentsPerStory} segments, {Stories * CodingsPerStory:N0} codings over 12 themes), exported by
            the facilitator without audio ({qdpx.Length / 1024.0 / 1024.0:F1} MiB), then `POST …/exchange/project?consentConfirmed=true` into a fresh empty project, SQLite,
            the real server on 127.0.0.1. Time = request sent to answer read. "RSS growth" = the server's peak resident memory during the request (sampled every
            20 ms) minus its level just before. {repetitions} runs after one warm-up; medians.

            | time median (s) | time max (s) | RSS growth median (MiB) | RSS growth max (MiB) |
            |---|---|---|---|
            | {Harness.Median(seconds):F2} | {seconds.Max():F2} | {Harness.Median(growth):F0} | {growth.Max():F0} |

            Goal: under 10 s and under 100 MB. project.qde is parsed into memory (XDocument, bounded by `MaxProjectXmlBytes`) and the plan holds every text
            once; rows are saved 100 stories at a time inside the one transaction, with change detection once per chunk and the tracker cleared after it.
            """);
        Harness.WriteSection("Exchange: .qdpx import of 1,000 stories with 20,000 codings", body);
        Console.WriteLine(body);
    }

    private static async Task<Guid> EmptyProjectAsync(string databasePath, string name)
    {
        await using var db = Open(databasePath);
        var admin = await db.Users.SingleAsync(u => u.Email == "bench@example.org");
        var project = new Project { Name = name, GuidingQuestion = "Wat betekent werk?", CreatedAt = DateTimeOffset.UtcNow };
        db.Projects.Add(project);
        db.Memberships.Add(new ProjectMembership { ProjectId = project.Id, PersonId = admin.Id, Role = ProjectRole.Begeleider, GrantedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        return project.Id;
    }

    private static async Task<(double Seconds, long PeakGrowth, long Bytes)> ExportOnceAsync(HttpClient http, int pid, Guid projectId)
    {
        GC.Collect();
        await Task.Delay(500);
        var baseline = Harness.ResidentBytes(pid);
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Harness.ResidentBytes(pid));
                try { await Task.Delay(20, sampling.Token); } catch (OperationCanceledException) { }
            }
        });
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync($"/api/projects/{projectId}/exchange/project.qdpx?audio=false", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var path = Path.Combine(Path.GetTempPath(), "bench-" + Guid.NewGuid().ToString("N") + ".qdpx");
        await using (var file = File.Create(path))
        {
            await response.Content.CopyToAsync(file);
        }
        var elapsed = clock.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        var size = new FileInfo(path).Length;
        using (var zip = ZipFile.OpenRead(path))
        {
            if (zip.Entries.Count != Stories + 1) throw new InvalidOperationException($"The export holds {zip.Entries.Count} entries, not {Stories + 1}.");
        }
        File.Delete(path);
        return (elapsed, peak - baseline, size);
    }

    private static StorytellingDbContext Open(string databasePath)
    {
        var builder = new DbContextOptionsBuilder<StorytellingDbContext>();
        CoreServiceCollectionExtensions.ConfigureDatabase(builder, new DatabaseOptions { ConnectionString = $"Data Source={databasePath}" });
        return new StorytellingDbContext(builder.Options);
    }

    private static async Task SetRoleAsync(string databasePath, Guid projectId, ProjectRole role)
    {
        await using var db = Open(databasePath);
        var admin = await db.Users.SingleAsync(u => u.Email == "bench@example.org");
        // The project's creator is also its beheerder (who reads no stories); only the analysing role is switched.
        await db.Memberships.Where(m => m.ProjectId == projectId && m.PersonId == admin.Id && m.Role != ProjectRole.Beheerder).ExecuteUpdateAsync(s => s.SetProperty(m => m.Role, role));
    }

    private static async Task<Guid> SeedAsync(string databasePath, ProjectRole role)
    {
        await using var db = Open(databasePath);
        var admin = await db.Users.SingleAsync(u => u.Email == "bench@example.org");
        var project = await db.Projects.FirstAsync();
        var now = DateTimeOffset.UtcNow;
        db.Memberships.Add(new ProjectMembership { ProjectId = project.Id, PersonId = admin.Id, Role = role, GrantedAt = now });
        var themes = Enumerable.Range(1, 12).Select(i => new Theme
        {
            ProjectId = project.Id, Name = "Thema " + i, Colour = $"#{(i * 40) % 256:X2}{(i * 90) % 256:X2}{(i * 150) % 256:X2}",
            Kind = (ThemeKind)(i % 4), CreatedAt = now,
        }).ToList();
        db.Themes.AddRange(themes);
        db.Pseudonyms.AddRange(
            new Pseudonym { ProjectId = project.Id, Original = "Jan", Replacement = "Persoon A", CreatedAt = now },
            new Pseudonym { ProjectId = project.Id, Original = "Fatima", Replacement = "Persoon B", CreatedAt = now },
            new Pseudonym { ProjectId = project.Id, Original = "Houten", Replacement = "Plaats A", CreatedAt = now });
        await db.SaveChangesAsync();

        for (var batch = 0; batch < Stories / 100; batch++)
        {
            for (var n = 0; n < 100; n++)
            {
                var s = batch * 100 + n;
                var story = new Story
                {
                    ProjectId = project.Id, TellerPseudonym = "Verteller " + (s + 1), ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = now.AddSeconds(s),
                    Status = StoryStatus.Transcribed, Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = now },
                };
                var transcript = new Transcript { StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", CreatedAt = now };
                var offsets = new List<(int Start, int End, long Ms)>();
                var offset = 0;
                for (var i = 0; i < SegmentsPerStory; i++)
                {
                    var text = Sentences[(i + s) % Sentences.Length];
                    transcript.Segments.Add(new TranscriptSegment { Position = i, StartMs = i * 5000L, EndMs = i * 5000L + 4800, Text = text });
                    offsets.Add((offset, offset + text.Length, i * 5000L));
                    offset += text.Length + 1;
                }
                db.Stories.Add(story);
                db.Transcripts.Add(transcript);
                for (var c = 0; c < CodingsPerStory; c++)
                {
                    var (start, end, ms) = offsets[c % SegmentsPerStory];
                    db.Codings.Add(new Coding
                    {
                        ThemeId = themes[(s + c) % themes.Count].Id, TranscriptId = transcript.Id, StartChar = start, EndChar = end,
                        StartMs = ms, EndMs = ms + 4800, AuthorPersonId = admin.Id, AuthorRole = role, CreatedAt = now,
                    });
                }
            }
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
        }
        return project.Id;
    }
}
