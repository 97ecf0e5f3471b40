using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Configuration;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;

namespace Storytelling.Benchmarks;

/// <summary>
/// A theme report from a workshop's prioritised themes to a Word file, against the real server (its own process,
/// SQLite): for a 31-story project (goal under 1 s) and a 1,000-story project (goal under 10 s). One run is: draft the
/// report (POST, which counts, pseudonymises and writes the Markdown) and download the .docx. Median of N after a warm-up.
/// </summary>
internal static class ReportBenchmark
{
    private static readonly string[] Sentences =
    [
        "Ik werkte dertig jaar in de bouw en toen ging mijn rug kapot.",
        "Bij het werkplein kreeg ik formulieren, maar niemand vroeg wat ik kon.",
        "Mijn buurvrouw Jan de Vries nam me mee naar het repaircafé in de wijk.",
        "Daar repareer ik nu fietsen en de jongens uit de straat kijken mee.",
        "Het is geen betaald werk, maar ik voel me weer nodig.",
        "De gemeente zou dit soort plekken moeten zien als echt werk.",
    ];

    private const int WarmUps = 3;

    public static async Task RunAsync(string[] args)
    {
        var repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        await using var server = await RealServer.StartAsync();
        using var http = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(server.BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        (await http.PostAsJsonAsync("/api/account/login", new { email = "bench@example.org", password = RealServer.AdminPasswordForBenchmarks })).EnsureSuccessStatusCode();

        var rows = new List<string>();
        foreach (var stories in new[] { 31, 1000 })
        {
            var seed = Stopwatch.StartNew();
            var projectId = await SeedAsync(server.DatabasePath, stories);
            Console.WriteLine($"  seeded {stories} stories in {seed.Elapsed.TotalSeconds:F1} s");
            var candidates = Stopwatch.StartNew();
            var themes = await http.GetFromJsonAsync<JsonElement>($"/api/projects/{projectId}/reports/candidates");
            var candidatesMs = candidates.Elapsed.TotalMilliseconds;
            // The workshop's top 8 themes with their 5 most-coded quotes each: a memo section's worth.
            var chosen = themes.EnumerateArray().Take(8).Select(t => new
            {
                themeId = t.GetProperty("themeId").GetGuid(),
                codingIds = t.GetProperty("quotes").EnumerateArray().Take(5).Select(q => q.GetProperty("codingId").GetGuid()).ToList(),
            }).ToList();

            var times = new List<double>();
            long bytes = 0;
            for (var i = -WarmUps + 1; i <= repetitions; i++)
            {
                var watch = Stopwatch.StartNew();
                var created = await http.PostAsJsonAsync($"/api/projects/{projectId}/reports", new { title = "Wat bewoners vertelden", themes = chosen });
                created.EnsureSuccessStatusCode();
                var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("summary").GetProperty("id").GetGuid();
                var docx = await http.GetByteArrayAsync($"/api/projects/{projectId}/reports/{id}.docx");
                watch.Stop();
                bytes = docx.Length;
                if (i <= 0) continue; // warm-up: JIT tiers and caches
                times.Add(watch.Elapsed.TotalMilliseconds);
                Console.WriteLine($"  {stories} stories, run {i}: {watch.Elapsed.TotalMilliseconds:F0} ms ({docx.Length / 1024} KB)");
            }
            var goal = stories <= 31 ? 1000 : 10_000;
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {stories} | {chosen.Count} × {chosen.Max(c => c.codingIds.Count)} | {candidatesMs:F0} | {Harness.Median(times):F0} | {times.Max():F0} | {bytes / 1024} | < {goal} |"));
        }

        var body = string.Create(CultureInfo.InvariantCulture, $"""
            Machine: {Harness.Machine()}. Date: {DateTime.UtcNow:yyyy-MM-dd}.
            Command: `dotnet run -c Release --project tests/Storytelling.Benchmarks -- report {repetitions}`.

            The real server on 127.0.0.1 (SQLite). Each story has 40 segments and 6 codings (10 themes, by residents and professionals), consent for
            quotes in reports, and a project-wide pseudonym that occurs in its text; the workshop's 8 most-voted themes are chosen with 5 quotes each.
            One run = POST the report (counts, pseudonymised quotes, Markdown draft, stored) + GET the .docx (Markdig AST → Open XML). {repetitions} runs after {WarmUps} warm-ups.
            "Candidates" is one load of the new-report page's data (all themes, counts and quotable fragments), cold.

            | stories | themes × quotes | candidates (ms) | draft + .docx median (ms) | max (ms) | .docx (KB) | goal (ms) |
            |---|---|---|---|---|---|---|
            {string.Join("\n", rows)}
            """);
        Harness.WriteSection("Theme report: prioritised themes to a Word file", body);
        Console.WriteLine(body);
    }

    internal static async Task<Guid> SeedAsync(string databasePath, int storyCount)
    {
        var builder = new DbContextOptionsBuilder<StorytellingDbContext>();
        CoreServiceCollectionExtensions.ConfigureDatabase(builder, new DatabaseOptions { ConnectionString = $"Data Source={databasePath}" });
        await using var db = new StorytellingDbContext(builder.Options);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        var admin = await db.Users.SingleAsync(u => u.Email == "bench@example.org");
        var now = DateTimeOffset.UtcNow;
        var project = new Project { Name = $"Rapport {storyCount}", GuidingQuestion = "Wat betekent werk voor jou?", CreatedAt = now };
        db.Projects.Add(project);
        db.Memberships.Add(new ProjectMembership { ProjectId = project.Id, PersonId = admin.Id, Role = ProjectRole.Beleidsmedewerker, GrantedAt = now });
        db.Pseudonyms.Add(new Pseudonym { ProjectId = project.Id, Original = "Jan de Vries", Replacement = "Persoon A", CreatedAt = now });
        var themes = Enumerable.Range(1, 10).Select(i => new Theme { ProjectId = project.Id, Name = "Thema " + i, CreatedAt = now }).ToList();
        db.Themes.AddRange(themes);
        var session = new Core.Workshops.WorkshopSession { ProjectId = project.Id, Title = "Werksessie", Code = Guid.NewGuid().ToString("N")[..6], OpenedAt = now };
        var guest = new Core.Workshops.WorkshopParticipant { SessionId = session.Id, DisplayName = "Gast", JoinedAt = now };
        db.WorkshopSessions.Add(session);
        db.WorkshopParticipants.Add(guest);
        for (var t = 0; t < themes.Count; t++)
            for (var v = 0; v < 10 - t; v++)
                db.ThemeVotes.Add(new Core.Workshops.ThemeVote { SessionId = session.Id, ParticipantId = guest.Id, ThemeId = themes[t].Id, At = now });

        var roles = new[] { ProjectRole.Bewoner, ProjectRole.Begeleider, ProjectRole.Beleidsmedewerker };
        for (var s = 0; s < storyCount; s++)
        {
            var story = new Story
            {
                ProjectId = project.Id, TellerPseudonym = $"Verteller {s + 1}", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = now, Status = StoryStatus.Transcribed,
                Consent = new Consent { Scopes = ConsentScopes.Analysis | ConsentScopes.QuotesInReports, GivenAt = now },
            };
            db.Stories.Add(story);
            var transcript = new Transcript { StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", CreatedAt = now };
            var starts = new List<int>();
            var offset = 0;
            for (var i = 0; i < 40; i++)
            {
                var text = Sentences[(i + s) % Sentences.Length];
                transcript.Segments.Add(new TranscriptSegment { Position = i, StartMs = i * 5000L, EndMs = i * 5000L + 4500, Text = text });
                starts.Add(offset);
                offset += text.Length + 1;
            }
            db.Transcripts.Add(transcript);
            for (var c = 0; c < 6; c++)
            {
                var segment = (c * 7 + s) % 40;
                db.Codings.Add(new Coding
                {
                    ThemeId = themes[(s + c) % themes.Count].Id, TranscriptId = transcript.Id, StartChar = starts[segment],
                    EndChar = starts[segment] + transcript.Segments[segment].Text.Length, StartMs = segment * 5000L, EndMs = segment * 5000L + 4500,
                    AuthorPersonId = admin.Id, AuthorRole = roles[(s + c) % roles.Length], CreatedAt = now,
                });
            }
            if (s % 100 == 99) { await db.SaveChangesAsync(); db.ChangeTracker.Clear(); }
        }
        await db.SaveChangesAsync();
        return project.Id;
    }
}
