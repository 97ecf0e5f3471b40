using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Storytelling.Core.Analysis;
using Storytelling.Core.Capture;
using Storytelling.Core.Evaluation;
using Storytelling.Core.Projects;
using Storytelling.Core.Reports;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Core.Workshops;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Security.Matrix;

/// <summary>The ids and secrets of one seeded project, by the names routes, forms and bodies use for them.</summary>
public sealed class ProjectData
{
    public required Guid Project { get; init; }
    public required Guid Story { get; init; }
    public required Guid SecondStory { get; init; }
    public required Guid Transcript { get; init; }
    public required Guid Segment { get; init; }
    public required Guid Theme { get; init; }
    public required Guid SecondTheme { get; init; }
    public required Guid Coding { get; init; }
    public required Guid Report { get; init; }
    public required Guid Session { get; init; }
    public required Guid Participant { get; init; }
    public required Guid Experiment { get; init; }
    public required Guid Round { get; init; }
    public required Guid Pseudonym { get; init; }
    public required Guid Invitation { get; init; }
    public required Guid Person { get; init; }
    public required string UploadId { get; init; }
    public required string CaptureToken { get; init; }
    public required string WorkshopCode { get; init; }
    public required string ReceiptCode { get; init; }

    /// <summary>Texts only this project holds: none may appear in an answer to someone who is no member.</summary>
    public required IReadOnlyList<string> Secrets { get; init; }

    /// <summary>The id a route parameter, form field, query value or JSON property of this name most plausibly means.</summary>
    public Guid IdFor(string name)
    {
        var n = name.ToLowerInvariant();
        if (n.EndsWith("ids", StringComparison.Ordinal)) n = n[..^3];
        else if (n.EndsWith("id", StringComparison.Ordinal)) n = n[..^2];
        return n switch
        {
            "project" => Project,
            "story" => Story,
            "transcript" => Transcript,
            "segment" => Segment,
            "theme" or "split" or "themefilter" or "include" or "order" => Theme,
            "intotheme" or "into" or "target" or "other" or "merge" or "parent" => SecondTheme,
            "person" or "ownerperson" or "owner" or "recordedbyperson" => Person,
            "coding" or "spotlightcoding" or "quote" => Coding,
            "report" or "regeneratedfrom" => Report,
            "session" or "workshopsession" => Session,
            "participant" => Participant,
            "experiment" or "edit" => Experiment,
            "round" or "evaluationround" => Round,
            "pseudonym" => Pseudonym,
            "invitation" => Invitation,
            _ when n.Contains("story", StringComparison.Ordinal) => SecondStory,
            _ when n.Contains("theme", StringComparison.Ordinal) => Theme,
            _ => Story,
        };
    }

    /// <summary>A route value of this name that is not a Guid (tokens, codes, positions).</summary>
    public string RouteValue(string name) => name.ToLowerInvariant() switch
    {
        "token" => CaptureToken,
        "code" => WorkshopCode,
        "uploadid" => UploadId,
        "position" => "0",
        "documentname" => "v1",
        _ => IdFor(name).ToString(),
    };
}

/// <summary>
/// Two projects with everything a project can hold (stories with transcripts, themes, codings, a report with quotes,
/// an open workshop with a guest, an experiment, an open evaluation round, a pseudonym, invitations, an upload in
/// progress, a published update). Project A has a person in each role; project B is facilitated by the outsider; the
/// administrator is member of neither. Project B is never meant to change while the matrix runs: its fingerprint is
/// taken once and compared after every call that touched the database.
/// </summary>
public sealed partial class MatrixWorld : IAsyncLifetime
{
    public static readonly string[] RolesOfA = ["bewoner", "interviewer", "begeleider", "beleidsmedewerker", "beheerder"];
    public static readonly string[] Callers = [.. RolesOfA, "outsider", "admin", "anonymous"];

    public TestApp App { get; } = new();
    public ProjectData A { get; private set; } = null!;
    public ProjectData B { get; private set; } = null!;
    public Dictionary<string, HttpClient> Clients { get; } = [];
    public Dictionary<string, CookieContainer> Cookies { get; } = [];
    public Dictionary<string, string> AntiforgeryTokens { get; } = [];
    public Dictionary<string, Guid> People { get; } = [];

    private SqliteConnection _watch = null!;
    private string _baseline = "";
    private long _dataVersion;

    public async Task InitializeAsync()
    {
        await App.MigrateAsync();
        foreach (var caller in Callers.Where(c => c != "anonymous"))
            People[caller] = (await App.CreatePersonAsync($"{caller}@example.org", administrator: caller == "admin")).Id;
        var a = await App.CreateProjectAsync("Buurt Akkerwinde",
            (People["bewoner"], ProjectRole.Bewoner),
            (People["interviewer"], ProjectRole.Interviewer),
            (People["begeleider"], ProjectRole.Begeleider),
            (People["beleidsmedewerker"], ProjectRole.Beleidsmedewerker),
            (People["beheerder"], ProjectRole.Beheerder));
        var b = await App.CreateProjectAsync("Berkenhof Zqxv", (People["outsider"], ProjectRole.Begeleider));
        A = await SeedAsync(a.Id, People["begeleider"], "Akker");
        B = await SeedAsync(b.Id, People["outsider"], "Zqxv");

        foreach (var caller in Callers)
        {
            // Our own cookie jar, so a door that signs the caller out can be tried without losing the caller.
            var cookies = new CookieContainer();
            var client = App.CreateDefaultClient(new CookieContainerHandler(cookies));
            if (caller != "anonymous")
            {
                using var login = await client.PostAsJsonAsync("/api/account/login", new { email = $"{caller}@example.org", password = TestApp.Password });
                login.EnsureSuccessStatusCode();
            }
            Clients[caller] = client;
            Cookies[caller] = cookies;
            AntiforgeryTokens[caller] = await AntiforgeryTokenAsync(client, caller == "anonymous" ? "/account/login" : "/account/logout");
        }

        var file = new SqliteConnectionStringBuilder { DataSource = Path.Combine(App.Folder, "storytelling.db"), Pooling = false };
        _watch = new SqliteConnection(file.ConnectionString);
        await _watch.OpenAsync();
        _dataVersion = await DataVersionAsync();
        _baseline = await FingerprintAsync(B.Project);
    }

    public async Task DisposeAsync()
    {
        await _watch.DisposeAsync();
        foreach (var c in Clients.Values) c.Dispose();
        App.Dispose();
    }

    /// <summary>Puts the caller's cookies back as they were before <paramref name="call"/> (a door that signs out, or
    /// a capability door that hands out a teller's or guest's cookie, must not change who later cases run as).</summary>
    public async Task<T> KeepingCookiesAsync<T>(string caller, Func<Task<T>> call)
    {
        var jar = Cookies[caller];
        var saved = jar.GetAllCookies().Select(c => new Cookie(c.Name, c.Value, c.Path, c.Domain)).ToList();
        try
        {
            return await call();
        }
        finally
        {
            foreach (Cookie c in jar.GetAllCookies()) c.Expired = true;
            foreach (var c in saved) jar.Add(c);
        }
    }

    /// <summary>What changed in project B since the matrix began (empty when nothing did). The full fingerprint is only
    /// taken when some connection committed since the last look.</summary>
    public async Task<string> ChangesToBAsync()
    {
        var version = await DataVersionAsync();
        if (version == _dataVersion) return "";
        _dataVersion = version;
        var now = await FingerprintAsync(B.Project);
        if (now == _baseline) return "";
        var before = _baseline.Split('\n').ToHashSet();
        var after = now.Split('\n').ToHashSet();
        var diff = new StringBuilder();
        foreach (var line in before.Except(after).Take(5)) diff.Append("\n  - ").Append(line);
        foreach (var line in after.Except(before).Take(5)) diff.Append("\n  + ").Append(line);
        _baseline = now; // report each change once
        return diff.ToString();
    }

    public string? LeakedSecret(string body) =>
        B.Secrets.FirstOrDefault(s => body.Contains(s, StringComparison.OrdinalIgnoreCase));

    private async Task<long> DataVersionAsync()
    {
        await using var command = _watch.CreateCommand();
        command.CommandText = "PRAGMA data_version";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every row reachable from the project: rows that name the project's id or the id of a row already reached,
    /// in any column, repeated until nothing new is reached. The audit log is left out: refusals may be audited.</summary>
    private async Task<string> FingerprintAsync(Guid projectId)
    {
        var tables = new List<string>();
        await using (var command = _watch.CreateCommand())
        {
            command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__EF%' AND name NOT LIKE '%Audit%' AND name <> 'DataProtectionKeys' ORDER BY name";
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        }
        var rows = new List<(string Table, string? Id, string[] Values, string Text)>();
        foreach (var table in tables)
        {
            await using var command = _watch.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\"";
            await using var reader = await command.ExecuteReaderAsync();
            var idColumn = Enumerable.Range(0, reader.FieldCount).FirstOrDefault(i => reader.GetName(i) == "Id", -1);
            while (await reader.ReadAsync())
            {
                var values = new string[reader.FieldCount];
                var text = new StringBuilder(table);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    values[i] = reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)!.ToUpperInvariant();
                    text.Append('|').Append(reader.GetName(i)).Append('=').Append(reader.IsDBNull(i) ? "null" : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture));
                }
                rows.Add((table, idColumn >= 0 ? values[idColumn] : null, values, text.ToString()));
            }
        }
        var reached = new HashSet<string> { projectId.ToString().ToUpperInvariant() };
        var included = new bool[rows.Count];
        bool grew;
        do
        {
            grew = false;
            for (var r = 0; r < rows.Count; r++)
            {
                if (included[r] || !rows[r].Values.Any(reached.Contains)) continue;
                included[r] = true;
                grew = true;
                if (rows[r].Id is { Length: > 0 } id) reached.Add(id);
            }
        } while (grew);
        return string.Join('\n', rows.Where((_, i) => included[i]).Select(r => r.Text).Order(StringComparer.Ordinal));
    }

    private static async Task<string> AntiforgeryTokenAsync(HttpClient client, string page)
    {
        var html = await client.GetStringAsync(page);
        var match = AntiforgeryField().Match(html);
        if (!match.Success) throw new InvalidOperationException($"{page} has no antiforgery token.");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private async Task<ProjectData> SeedAsync(Guid projectId, Guid facilitator, string tag)
    {
        var now = App.Time.GetUtcNow();
        var captureToken = InvitationTokens.New();
        var membershipToken = InvitationTokens.New();
        var code = tag == "Akker" ? "ACDEFG" : "XQWKMT";
        var receipt = Core.Stories.ReceiptCode.New();
        ProjectData? data = null;
        await App.WithDbAsync(async db =>
        {
            var project = await db.Projects.FindAsync(projectId) ?? throw new InvalidOperationException("no project");
            project.Phase = ProjectPhase.CoEvaluate;
            project.AllowedLanguages = ["nl", "en", "ar"];
            project.PublishedUpdate = $"Update {tag}-bericht aan vertellers";
            project.PublishedUpdateAt = now;

            var round = new EvaluationRound
            {
                ProjectId = projectId, Number = 1, Question = $"Wat is er veranderd {tag}-ronde?", OpensAt = now.AddDays(-2),
                CreatedByPersonId = facilitator, CreatedAt = now.AddDays(-2),
            };
            Story NewStory(string teller, string code, params string[] lines)
            {
                var s = new Story
                {
                    ProjectId = projectId, TellerPseudonym = teller, ReceiptCodeHash = ReceiptCode.Hash(code), CreatedAt = now.AddDays(-1), Status = StoryStatus.Transcribed,
                    Language = "nl",
                    Consent = new Consent { Scopes = ConsentScopes.Analysis | ConsentScopes.QuotesInReports | ConsentScopes.AudioInWorkshops, GivenAt = now.AddDays(-1) },
                };
                db.Stories.Add(s);
                return s;
            }
            var story = NewStory($"Verteller{tag}", receipt);
            var second = NewStory($"Tweede{tag}", Core.Stories.ReceiptCode.New());
            second.EvaluationRoundId = round.Id;
            var transcript = new Transcript
            {
                StoryId = story.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", CreatedAt = now.AddDays(-1),
                Segments =
                [
                    new TranscriptSegment { Position = 0, StartMs = 0, EndMs = 3000, Text = $"Ik werkte bij {tag}fabriek met mijn buurman Jan{tag}." },
                    new TranscriptSegment { Position = 1, StartMs = 3000, EndMs = 6000, Text = $"Toen kwamen de schulden {tag}verhaal en het wachten." },
                ],
            };
            var secondTranscript = new Transcript
            {
                StoryId = second.Id, Version = 1, Origin = TranscriptOrigin.Machine, Language = "nl", CreatedAt = now.AddDays(-1),
                Segments = [new TranscriptSegment { Position = 0, StartMs = 0, EndMs = 3000, Text = $"Sinds de ronde gaat het beter {tag}tweede." }],
            };
            db.Transcripts.AddRange(transcript, secondTranscript);

            var theme = new Theme { ProjectId = projectId, Name = $"Werk{tag}thema", Description = $"Omschrijving {tag}thema", Kind = ThemeKind.Knelpunt, CreatedByPersonId = facilitator, CreatedAt = now };
            var secondTheme = new Theme { ProjectId = projectId, Name = $"Schulden{tag}thema", Kind = ThemeKind.Knelpunt, CreatedByPersonId = facilitator, CreatedAt = now };
            var child = new Theme { ProjectId = projectId, ParentId = theme.Id, Name = $"Kind{tag}thema", Kind = ThemeKind.Wens, CreatedByPersonId = facilitator, CreatedAt = now };
            db.Themes.AddRange(theme, secondTheme, child);
            var coding = new Coding
            {
                ThemeId = theme.Id, TranscriptId = transcript.Id, StartChar = 0, EndChar = 10, StartMs = 0, EndMs = 3000,
                AuthorPersonId = facilitator, AuthorRole = ProjectRole.Begeleider, CreatedAt = now,
            };
            var secondCoding = new Coding
            {
                ThemeId = secondTheme.Id, TranscriptId = transcript.Id, StartChar = 12, EndChar = 30, StartMs = 0, EndMs = 3000,
                AuthorPersonId = facilitator, AuthorRole = ProjectRole.Begeleider, CreatedAt = now,
            };
            db.Codings.AddRange(coding, secondCoding);

            var report = new Report
            {
                ProjectId = projectId, Title = $"Rapport {tag}titel", Markdown = $"# Rapport\n\nHet {tag}rapport zegt dit.", CreatedByPersonId = facilitator,
                CreatedAt = now, UpdatedAt = now, GeneratedAt = now,
            };
            report.Themes.Add(new ReportTheme { ThemeId = theme.Id, Position = 0 });
            report.Quotes.Add(new ReportQuote { ThemeId = theme.Id, CodingId = coding.Id, StoryId = story.Id, Position = 0, Text = $"Ik werkte bij {tag}fabriek" });
            db.Reports.Add(report);

            var session = new WorkshopSession { ProjectId = projectId, Title = $"Werksessie {tag}sessie", Code = code, OpenedByPersonId = facilitator, OpenedAt = now };
            var participant = new WorkshopParticipant { SessionId = session.Id, DisplayName = $"Gast{tag}", JoinedAt = now, TokenHash = InvitationTokens.Hash(InvitationTokens.New()) };
            db.WorkshopSessions.Add(session);
            db.WorkshopParticipants.Add(participant);
            db.ThemeVotes.Add(new ThemeVote { SessionId = session.Id, ParticipantId = participant.Id, ThemeId = theme.Id, At = now });

            var experiment = new Experiment
            {
                ProjectId = projectId, Title = $"Proef {tag}experiment", Description = "Een maand anders werken.", OwnerPersonId = facilitator,
                CreatedByPersonId = facilitator, CreatedAt = now, UpdatedAt = now,
            };
            experiment.Themes.Add(new ExperimentTheme { ThemeId = theme.Id });
            experiment.Stories.Add(new ExperimentStory { StoryId = story.Id });
            db.Experiments.Add(experiment);
            db.EvaluationRounds.Add(round);

            var pseudonym = new Pseudonym { ProjectId = projectId, StoryId = story.Id, Original = $"Jan{tag}", Replacement = $"Piet{tag}naam", CreatedByPersonId = facilitator, CreatedAt = now };
            db.Pseudonyms.Add(pseudonym);
            var invitation = new Invitation
            {
                ProjectId = projectId, Kind = InvitationKind.Membership, Role = ProjectRole.Bewoner, TokenHash = InvitationTokens.Hash(membershipToken),
                CreatedByPersonId = facilitator, CreatedAt = now, ExpiresAt = now.AddDays(14), MaxUses = 1,
            };
            var capture = new Invitation
            {
                ProjectId = projectId, Kind = InvitationKind.Capture, Role = ProjectRole.Bewoner, TokenHash = InvitationTokens.Hash(captureToken),
                CreatedByPersonId = facilitator, CreatedAt = now, ExpiresAt = now.AddDays(14),
            };
            db.Invitations.AddRange(invitation, capture);
            var upload = new UploadSession
            {
                Id = UploadSession.NewId(), ProjectId = projectId, BlobName = Core.Storage.BlobNames.New(), SizeBytes = 16, DeclaredMediaType = "audio/ogg",
                ConsentScopes = ConsentScopes.Analysis, InvitationId = capture.Id, CreatedAt = now, ExpiresAt = now.AddDays(1),
            };
            db.UploadSessions.Add(upload);
            db.ProjectPhaseChanges.Add(new ProjectPhaseChange { ProjectId = projectId, From = ProjectPhase.Experiment, To = ProjectPhase.CoEvaluate, ByPersonId = facilitator, At = now, Note = $"Naar {tag}fase" });
            await db.SaveChangesAsync();

            data = new ProjectData
            {
                Project = projectId, Story = story.Id, SecondStory = second.Id, Transcript = transcript.Id, Segment = transcript.Segments[0].Id,
                Theme = theme.Id, SecondTheme = secondTheme.Id, Coding = coding.Id, Report = report.Id, Session = session.Id,
                Participant = participant.Id, Experiment = experiment.Id, Round = round.Id, Pseudonym = pseudonym.Id, Invitation = invitation.Id, Person = facilitator,
                UploadId = upload.Id, CaptureToken = captureToken, WorkshopCode = code, ReceiptCode = receipt,
                Secrets =
                [
                    project.Name, $"{tag}thema", $"{tag}fabriek", $"{tag}verhaal", $"{tag}tweede", $"{tag}rapport", $"{tag}titel", $"{tag}sessie",
                    $"{tag}experiment", $"{tag}-ronde", $"{tag}-bericht", $"Piet{tag}naam", $"Verteller{tag}", code,
                ],
            };
        });
        return data!;
    }
}
