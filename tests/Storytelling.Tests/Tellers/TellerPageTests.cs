using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Tellers;

/// <summary>A project with a person in each role and an outsider, for the teller's pages and the facilitator's side.</summary>
public sealed class TellerPageWorld : IAsyncLifetime
{
    public TestApp App { get; } = new(new Dictionary<string, string?> { ["Storytelling:Tellers:CodeAttemptsPerWindow"] = "1000" });
    public Guid ProjectId { get; private set; }
    public Guid OtherProjectId { get; private set; }
    public Guid ThemeId { get; private set; }
    public Dictionary<string, Guid> People { get; } = [];
    public Dictionary<string, HttpClient> Clients { get; } = [];

    public async Task InitializeAsync()
    {
        await App.MigrateAsync();
        foreach (var caller in new[] { "bewoner", "interviewer", "begeleider", "beleidsmedewerker", "beheerder", "outsider" })
            People[caller] = (await App.CreatePersonAsync($"{caller}-{Guid.NewGuid():N}@example.org", name: "Naam van " + caller)).Id;
        ProjectId = (await App.CreateProjectAsync("Werk in Houten",
            (People["bewoner"], ProjectRole.Bewoner), (People["interviewer"], ProjectRole.Interviewer),
            (People["begeleider"], ProjectRole.Begeleider), (People["beleidsmedewerker"], ProjectRole.Beleidsmedewerker),
            (People["beheerder"], ProjectRole.Beheerder))).Id;
        OtherProjectId = (await App.CreateProjectAsync("Elders", (People["outsider"], ProjectRole.Begeleider))).Id;
        await App.WithDbAsync(async db =>
        {
            var theme = new Theme { ProjectId = ProjectId, Name = "Erbij horen", Colour = "#1F77B4", CreatedAt = App.Time.GetUtcNow() };
            db.Themes.Add(theme);
            await db.SaveChangesAsync();
            ThemeId = theme.Id;
        });
        foreach (var (caller, id) in People)
        {
            var email = "";
            await App.WithDbAsync(async db => email = (await db.Users.FindAsync(id))!.Email!);
            Clients[caller] = await App.SignedInClientAsync(email);
        }
        Clients["anonymous"] = App.AnonymousClient();
    }

    public Task<SeededStory> StoryAsync(int seed, Guid? projectId = null) =>
        TellerSeed.StoryAsync(App, projectId ?? ProjectId, projectId is null ? ThemeId : Guid.Empty, People["begeleider"], "Quibbelwaard", seed);

    public async Task<HttpClient> TellerAsync(string code)
    {
        var client = App.AnonymousClient();
        var (response, _) = await TellerSeed.EnterCodeAsync(client, code);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    public Task DisposeAsync()
    {
        foreach (var c in Clients.Values) c.Dispose();
        App.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class TellerPageTests(TellerPageWorld world) : IClassFixture<TellerPageWorld>
{
    [Fact]
    public async Task The_code_opens_the_page_through_a_strict_cookie_and_never_appears_in_a_url()
    {
        var story = await world.StoryAsync(21);
        var client = world.App.AnonymousClient();
        // People type codes in lower case, with spaces, without the dash.
        var (response, _) = await TellerSeed.EnterCodeAsync(client, " " + story.Code.Replace("-", " ", StringComparison.Ordinal).ToLowerInvariant());
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/verhaal/mijn", response.Headers.Location!.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("storytelling-teller=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(story.Code, cookie, StringComparison.Ordinal);
        Assert.DoesNotContain(story.Id.ToString("N"), cookie, StringComparison.OrdinalIgnoreCase);

        var page = await TellerSeed.MinePageAsync(client);
        Assert.Contains("Wat betekent werk voor jou?", page, StringComparison.Ordinal);
        Assert.Contains("22 november 2026", page, StringComparison.Ordinal);
        Assert.Contains("Uitgeschreven", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("K7QM")]
    [InlineData("0000-1111")]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK")]
    public async Task A_wrong_empty_malformed_or_hostile_code_gets_one_plain_sentence_and_no_cookie(string code)
    {
        var client = world.App.AnonymousClient();
        var (response, html) = await TellerSeed.EnterCodeAsync(client, code);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Deze code kennen we niet. Kijk of je hem goed hebt overgenomen.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", html, StringComparison.Ordinal);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("storytelling-teller=", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/verhaal/mijn")).StatusCode);
    }

    [Fact]
    public async Task Code_attempts_are_limited_per_address_even_for_the_right_code()
    {
        using var app = new TestApp(new Dictionary<string, string?> { ["Storytelling:Tellers:CodeAttemptsPerWindow"] = "3" });
        await app.MigrateAsync();
        var project = await app.CreateProjectAsync("Klein");
        var story = await TellerSeed.StoryAsync(app, project.Id, Guid.Empty, Guid.Empty, "x", 22);
        var client = app.AnonymousClient();
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.BadRequest, (await TellerSeed.EnterCodeAsync(client, "AAAA-AAAA")).Response.StatusCode);
        var (blocked, html) = await TellerSeed.EnterCodeAsync(client, story.Code);
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Contains("Je hebt te vaak een code geprobeerd.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_teller_reads_their_own_words_and_sees_the_themes_and_the_published_update_but_no_authors()
    {
        var story = await world.StoryAsync(23);
        var update = await world.Clients["begeleider"].PutAsJsonAsync($"/api/projects/{world.ProjectId}/published-update",
            new { text = "Jullie verhalen gingen naar de raad.\r\n\r\n<b>Er komt een werkplaats.</b>" });
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var page = await TellerSeed.MinePageAsync(await world.TellerAsync(story.Code));
        // Their own words as spoken: the story pseudonym ("Straat A") is for other readers.
        Assert.Contains(TellerSeed.Rare, page, StringComparison.Ordinal);
        Assert.DoesNotContain("Straat A", page, StringComparison.Ordinal);
        Assert.Contains("Erbij horen", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Naam van begeleider", page, StringComparison.Ordinal);
        Assert.Contains("<p>Jullie verhalen gingen naar de raad.</p>", page, StringComparison.Ordinal);
        Assert.Contains("<p>&lt;b&gt;Er komt een werkplaats.&lt;/b&gt;</p>", page, StringComparison.Ordinal);
        // What the teller agreed to, as boxes they can untick: quotes yes, playback no.
        Assert.Matches("<input type=\"checkbox\" id=\"consent-quotes\" name=\"quotes\" value=\"true\" checked=\"checked\"", page);
        Assert.Matches("<input type=\"checkbox\" id=\"consent-audio\" name=\"audio\" value=\"true\" />", page);
    }

    [Fact]
    public async Task The_teller_unticks_quotes_and_ticks_playback_and_the_story_keeps_its_analysis_consent()
    {
        var story = await world.StoryAsync(29);
        var teller = await world.TellerAsync(story.Code);
        var page = await TellerSeed.MinePageAsync(teller);
        // An unticked box is absent from the form; the hidden fields ASP.NET adds for bools are not sent by our form.
        var response = await Forms.PostAsync(teller, "/verhaal/mijn", page, "Consent", new() { ["audio"] = "true" });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var after = await TellerSeed.MinePageAsync(teller, "?consentSaved=true");
        Assert.Contains("Je keuze is bewaard.", after, StringComparison.Ordinal);
        Assert.Matches("<input type=\"checkbox\" id=\"consent-quotes\" name=\"quotes\" value=\"true\" />", after);
        await world.App.WithDbAsync(async db =>
        {
            var scopes = (await db.Stories.SingleAsync(s => s.Id == story.Id)).Consent.Scopes;
            Assert.Equal(Storytelling.Core.Stories.ConsentScopes.Analysis | Storytelling.Core.Stories.ConsentScopes.AudioInWorkshops, scopes);
        });

        // A forged form cannot drop the analysis consent (that is a withdrawal) and hostile values bind to false.
        var forged = await Forms.PostAsync(teller, "/verhaal/mijn", after, "Consent", new() { ["analysis"] = "false", ["quotes"] = "<script>", ["audio"] = "true" });
        Assert.Equal(HttpStatusCode.Redirect, forged.StatusCode);
        await world.App.WithDbAsync(async db => Assert.True((await db.Stories.SingleAsync(s => s.Id == story.Id)).Consent.Scopes.HasFlag(Storytelling.Core.Stories.ConsentScopes.Analysis)));

        // Without the teller's cookie nothing changes.
        var stranger = world.App.AnonymousClient();
        var refused = await stranger.PostAsync("/verhaal/mijn?handler=Consent", new FormUrlEncodedContent([new("quotes", "true")]));
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        await world.App.WithDbAsync(async db => Assert.False((await db.Stories.SingleAsync(s => s.Id == story.Id)).Consent.Scopes.HasFlag(Storytelling.Core.Stories.ConsentScopes.QuotesInReports)));
    }

    [Fact]
    public async Task A_correction_by_the_teller_is_a_new_version_by_nobody_and_the_coding_follows_its_words()
    {
        var story = await world.StoryAsync(24);
        var teller = await world.TellerAsync(story.Code);
        var saved = await TellerSeed.CorrectAsync(teller, 1, 1, "Bij Zwelgenhorst leerde ik echt dat mijn handen ertoe doen.");
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        var page = await TellerSeed.MinePageAsync(teller, "?saved=true");
        Assert.Contains("Je verbetering is bewaard.", page, StringComparison.Ordinal);
        Assert.Contains("leerde ik echt dat", page, StringComparison.Ordinal);
        await world.App.WithDbAsync(async db =>
        {
            var latest = await db.Transcripts.Include(t => t.Segments).Where(t => t.StoryId == story.Id).OrderByDescending(t => t.Version).FirstAsync();
            Assert.Equal(2, latest.Version);
            Assert.Equal(TranscriptOrigin.HumanCorrection, latest.Origin);
            Assert.Null(latest.CreatedByPersonId);
            var coding = await db.Codings.SingleAsync(c => c.Transcript!.StoryId == story.Id);
            Assert.Equal(latest.Id, coding.TranscriptId);
            var text = string.Join("\n", latest.Segments.OrderBy(s => s.Position).Select(s => s.Text));
            Assert.Equal("Bij Zwelgenhorst leerde ik echt dat mijn handen ertoe doen.", text[coding.StartChar..coding.EndChar]);
            Assert.Contains(await db.AuditLog.Where(a => a.SubjectId == latest.Id).Select(a => a.Action).ToListAsync(), a => a == "transcript.corrected");
        });
    }

    [Fact]
    public async Task An_empty_unchanged_or_stale_correction_says_so_in_one_sentence_and_saves_nothing()
    {
        var story = await world.StoryAsync(25);
        var teller = await world.TellerAsync(story.Code);
        var cases = new (int Base, string Text, string Sentence)[]
        {
            (1, "   ", "Schrijf iets, of laat de zin zoals hij was."),
            (1, TellerSeed.Sentence, "Je hebt niets veranderd."),
            (7, "Iets anders", "De tekst is net veranderd."),
            (1, new string('a', 5001), "Deze zin is te lang."),
            (1, "a\u0001b", "Dit kunnen we niet bewaren."),
        };
        foreach (var (baseVersion, text, sentence) in cases)
        {
            var response = await TellerSeed.CorrectAsync(teller, 1, baseVersion, text);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(sentence, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        await world.App.WithDbAsync(async db => Assert.Equal(1, await db.Transcripts.CountAsync(t => t.StoryId == story.Id)));
    }

    [Fact]
    public async Task The_teller_hears_their_recording_by_byte_ranges_and_nobody_else_does_through_this_door()
    {
        var story = await world.StoryAsync(26);
        var teller = await world.TellerAsync(story.Code);
        var request = new HttpRequestMessage(HttpMethod.Get, "/verhaal/mijn/audio");
        request.Headers.Range = new RangeHeaderValue(10, 109);
        var response = await teller.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(story.Audio[10..110], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await world.App.AnonymousClient().GetAsync("/verhaal/mijn/audio")).StatusCode);
    }

    [Fact]
    public async Task The_page_closes_when_the_cookie_expires()
    {
        var story = await world.StoryAsync(27);
        var teller = await world.TellerAsync(story.Code);
        world.App.Time.Advance(TimeSpan.FromMinutes(31));
        var response = await teller.GetAsync("/verhaal/mijn");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/verhaal?closed=true", response.Headers.Location!.OriginalString);
        Assert.Contains("Je pagina is gesloten.", await teller.GetStringAsync("/verhaal?closed=true"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_phone_language_is_used_unless_the_teller_chooses_and_Arabic_reads_right_to_left()
    {
        var client = world.App.AnonymousClient();
        Assert.Contains("<html lang=\"nl\" dir=\"ltr\">", await client.GetStringAsync("/verhaal"), StringComparison.Ordinal);

        var arabic = new HttpRequestMessage(HttpMethod.Get, "/verhaal");
        arabic.Headers.AcceptLanguage.ParseAdd("ar-EG,ar;q=0.9");
        var html = await (await client.SendAsync(arabic)).Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"ar\" dir=\"rtl\">", html, StringComparison.Ordinal);
        // Razor writes non-Latin text as character references; the browser shows the same letters.
        Assert.Contains("اطّلع على قصتك", WebUtility.HtmlDecode(html), StringComparison.Ordinal);

        var chosen = new HttpRequestMessage(HttpMethod.Get, "/verhaal?lang=en");
        chosen.Headers.AcceptLanguage.ParseAdd("ar");
        html = await (await client.SendAsync(chosen)).Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\" dir=\"ltr\">", html, StringComparison.Ordinal);
        Assert.Contains("See your story", html, StringComparison.Ordinal);

        var story = await world.StoryAsync(28);
        var teller = await world.TellerAsync(story.Code);
        var page = await TellerSeed.MinePageAsync(teller, "?lang=ar");
        Assert.Contains("dir=\"rtl\"", page, StringComparison.Ordinal);
        Assert.Contains("2026", page, StringComparison.Ordinal); // Gregorian, not the Hijri year
        // The choice is remembered for the next page.
        Assert.Contains("<html lang=\"ar\" dir=\"rtl\">", await TellerSeed.MinePageAsync(teller), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_a_facilitator_of_the_project_withdraws_on_a_tellers_behalf_and_it_is_audited_with_ids_only()
    {
        var story = await world.StoryAsync(29);
        var url = $"/api/projects/{world.ProjectId}/stories/{story.Id}/withdrawal";
        foreach (var caller in new[] { "bewoner", "interviewer", "beleidsmedewerker", "beheerder", "outsider" })
            Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients[caller].PostAsync(url, null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Clients["anonymous"].PostAsync(url, null)).StatusCode);
        // A story of another project is not found through this project.
        var elsewhere = await world.StoryAsync(30, world.OtherProjectId);
        Assert.Equal(HttpStatusCode.NotFound,
            (await world.Clients["begeleider"].PostAsync($"/api/projects/{world.ProjectId}/stories/{elsewhere.Id}/withdrawal", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await world.Clients["begeleider"].PostAsync(url, null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await world.Clients["begeleider"].PostAsync(url, null)).StatusCode);
        await world.App.WithDbAsync(async db =>
        {
            var entry = await db.AuditLog.SingleAsync(a => a.SubjectId == story.Id && a.Action == "story.withdrawn");
            Assert.Equal(world.People["begeleider"], entry.ActorPersonId);
            Assert.Equal(world.ProjectId, entry.ProjectId);
            Assert.False(await db.Stories.AnyAsync(s => s.Id == story.Id));
            Assert.True(await db.Stories.AnyAsync(s => s.Id == elsewhere.Id));
        });
    }

    [Fact]
    public async Task The_published_update_is_plain_text_of_bounded_length_and_only_a_facilitator_sets_it()
    {
        var url = $"/api/projects/{world.ProjectId}/published-update";
        foreach (var caller in new[] { "bewoner", "beleidsmedewerker", "beheerder", "outsider" })
            Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients[caller].PutAsJsonAsync(url, new { text = "x" })).StatusCode);
        var facilitator = world.Clients["begeleider"];
        Assert.Equal(HttpStatusCode.BadRequest, (await facilitator.PutAsJsonAsync(url, new { text = new string('a', 8001) })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await facilitator.PutAsJsonAsync(url, new { text = "a\u0007b" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await facilitator.PutAsync(url, new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        var ok = await facilitator.PutAsJsonAsync(url, new { text = "  Dank voor jullie verhalen.  " });
        Assert.Equal("Dank voor jullie verhalen.", (await ok.Content.ReadFromJsonAsync<Storytelling.Web.Features.Tellers.PublishedUpdateDto>(TestJson.Options))!.Text);
        var cleared = await facilitator.PutAsJsonAsync(url, new { text = "" });
        Assert.Null((await cleared.Content.ReadFromJsonAsync<Storytelling.Web.Features.Tellers.PublishedUpdateDto>(TestJson.Options))!.PublishedAt);
    }

    [Fact]
    public async Task After_withdrawing_the_page_says_so_and_the_code_and_cookie_open_nothing()
    {
        var story = await world.StoryAsync(31);
        var teller = await world.TellerAsync(story.Code);
        // Without the confirmation nothing is deleted: the page asks first.
        var page = await TellerSeed.MinePageAsync(teller);
        var unconfirmed = await Forms.PostAsync(teller, "/verhaal/mijn", page, "Withdraw", new());
        Assert.Equal("/verhaal/mijn?stap=intrekken", unconfirmed.Headers.Location!.OriginalString);
        Assert.Contains("Weet je het zeker?", await TellerSeed.MinePageAsync(teller, "?stap=intrekken"), StringComparison.Ordinal);
        await world.App.WithDbAsync(async db => Assert.True(await db.Stories.AnyAsync(s => s.Id == story.Id)));

        var done = await TellerSeed.WithdrawAsync(teller);
        Assert.Contains("Je verhaal is gewist", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await teller.GetAsync("/verhaal/mijn")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await TellerSeed.EnterCodeAsync(world.App.AnonymousClient(), story.Code)).Response.StatusCode);
    }

    [Fact]
    public async Task A_facilitator_withdraws_by_the_code_read_out_on_the_phone_after_ticking_that_the_teller_asked()
    {
        var story = await world.StoryAsync(32);
        var path = $"/projects/{world.ProjectId}/vertellers";
        var refused = await world.Clients["bewoner"].GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.StartsWith("/account/denied", refused.Headers.Location!.PathAndQuery);

        var facilitator = world.Clients["begeleider"];
        var page = await facilitator.GetStringAsync(path);
        var notAsked = await Forms.PostAsync(facilitator, path, page, "Withdraw", new() { ["Code"] = story.Code });
        Assert.Contains("Vink aan dat de verteller je dit gevraagd heeft", await notAsked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var elsewhere = await world.StoryAsync(33, world.OtherProjectId);
        var wrongProject = await Forms.PostAsync(facilitator, path, page, "Withdraw", new() { ["Code"] = elsewhere.Code, ["Asked"] = "true" });
        Assert.Contains("Met deze code is er geen verhaal in dit project.", await wrongProject.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await world.App.WithDbAsync(async db => Assert.Equal(2, await db.Stories.CountAsync(s => s.Id == story.Id || s.Id == elsewhere.Id)));

        var done = await Forms.PostAsync(facilitator, path, page, "Withdraw", new() { ["Code"] = story.Code.ToLowerInvariant(), ["Asked"] = "true" });
        Assert.Equal($"{path}?withdrawn=true", done.Headers.Location!.OriginalString);
        await world.App.WithDbAsync(async db =>
        {
            Assert.False(await db.Stories.AnyAsync(s => s.Id == story.Id));
            Assert.Equal(world.People["begeleider"], (await db.AuditLog.SingleAsync(a => a.SubjectId == story.Id && a.Action == "story.withdrawn")).ActorPersonId);
        });

        var saved = await Forms.PostAsync(facilitator, path, page, "Update", new() { ["UpdateText"] = "Dank voor jullie verhalen." });
        Assert.Equal($"{path}?saved=true", saved.Headers.Location!.OriginalString);
        var tooLong = await Forms.PostAsync(facilitator, path, page, "Update", new() { ["UpdateText"] = new string('a', 8001) });
        Assert.Contains("hoogstens 8000 tekens", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_facilitator_records_a_tellers_consent_change_through_the_api_and_the_page_with_their_name()
    {
        var story = await world.StoryAsync(34);
        var url = $"/api/projects/{world.ProjectId}/stories/{story.Id}/consent";
        var body = new { quotesInReports = false, audioInWorkshops = true };
        foreach (var caller in new[] { "bewoner", "interviewer", "beleidsmedewerker", "beheerder", "outsider" })
            Assert.Equal(HttpStatusCode.Forbidden, (await world.Clients[caller].PutAsJsonAsync(url, body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Clients["anonymous"].PutAsJsonAsync(url, body)).StatusCode);
        var elsewhere = await world.StoryAsync(35, world.OtherProjectId);
        Assert.Equal(HttpStatusCode.NotFound,
            (await world.Clients["begeleider"].PutAsJsonAsync($"/api/projects/{world.ProjectId}/stories/{elsewhere.Id}/consent", body)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await world.Clients["begeleider"].PutAsync(url, new StringContent("{\"quotesInReports\": \"maybe\"}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);

        var changed = await world.Clients["begeleider"].PutAsJsonAsync(url, body);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var consent = await changed.Content.ReadFromJsonAsync<Storytelling.Web.Features.Tellers.ConsentDto>(TestJson.Options);
        Assert.Equal(new Storytelling.Web.Features.Tellers.ConsentDto(true, false, true), consent);
        await world.App.WithDbAsync(async db =>
        {
            var stored = (await db.Stories.SingleAsync(s => s.Id == story.Id)).Consent;
            Assert.Equal(Storytelling.Core.Stories.ConsentMethod.GivenVerbally, stored.Method);
            Assert.Equal(world.People["begeleider"], stored.RecordedByPersonId);
            Assert.Equal(world.People["begeleider"], (await db.AuditLog.SingleAsync(a => a.SubjectId == story.Id && a.Action == "story.consent.changed")).ActorPersonId);
        });

        // The same from the Vertellers page, by the code the teller reads out, only after ticking that the teller asked.
        var path = $"/projects/{world.ProjectId}/vertellers";
        var facilitator = world.Clients["begeleider"];
        var page = await facilitator.GetStringAsync(path);
        var notAsked = await Forms.PostAsync(facilitator, path, page, "Consent", new() { ["Code"] = story.Code, ["Quotes"] = "true" });
        Assert.Contains("Vink aan dat de verteller je dit gevraagd heeft", await notAsked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var done = await Forms.PostAsync(facilitator, path, page, "Consent", new() { ["Code"] = story.Code, ["Quotes"] = "true", ["Asked"] = "true" });
        Assert.Equal($"{path}?consentChanged=true", done.Headers.Location!.OriginalString);
        Assert.Contains("De toestemming is aangepast", await facilitator.GetStringAsync(done.Headers.Location!.OriginalString), StringComparison.Ordinal);
        await world.App.WithDbAsync(async db => Assert.Equal(
            Storytelling.Core.Stories.ConsentScopes.Analysis | Storytelling.Core.Stories.ConsentScopes.QuotesInReports,
            (await db.Stories.SingleAsync(s => s.Id == story.Id)).Consent.Scopes));
    }
}
