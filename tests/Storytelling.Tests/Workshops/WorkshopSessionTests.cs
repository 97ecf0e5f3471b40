using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Features.Workshops;

namespace Storytelling.Tests.Workshops;

public sealed class WorkshopSessionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Facilitator_opens_a_session_with_a_short_code_qr_and_join_url_and_closing_it_refuses_joins()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, sessionId) = await world.OpenSessionAsync();
        Assert.Matches("^[346789ACDEFGHJKMNPQRTUVWXY]{6}$", code);

        var http = await world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        var list = await http.GetFromJsonAsync<JsonElement>($"/api/projects/{world.Project.Id}/workshops");
        Assert.EndsWith($"/w/{code}", list[0].GetProperty("joinUrl").GetString());
        var qr = await http.GetAsync($"/api/projects/{world.Project.Id}/workshops/{sessionId}/qr.svg");
        Assert.Equal("image/svg+xml", qr.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<svg", await qr.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await world.JoinAsync(code.ToLowerInvariant(), "Fatima")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync($"/api/projects/{world.Project.Id}/workshops/{sessionId}/close", null)).StatusCode);
        var late = await world.JoinAsync(code, "Laatkomer");
        Assert.Equal(HttpStatusCode.NotFound, late.Response.StatusCode);
        Assert.Contains("gesloten", await late.Response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(WorkshopWorld.Bewoner)]
    [InlineData(WorkshopWorld.Beleid)]
    public async Task Only_a_begeleider_opens_a_session(string email)
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var http = await world.App.SignedInClientAsync(email);
        var response = await http.PostAsJsonAsync($"/api/projects/{world.Project.Id}/workshops", new { title = "Eigen sessie" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.App.AnonymousClient().PostAsJsonAsync($"/api/projects/{world.Project.Id}/workshops", new { })).StatusCode);
    }

    [Fact]
    public async Task Guest_joins_as_a_resident_with_an_httponly_strict_cookie_of_which_only_the_hash_is_stored()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, sessionId) = await world.OpenSessionAsync();
        var (response, cookie) = await world.JoinAsync(code, "  Fatima  ");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(WorkshopService.GuestCookie + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        var token = cookie.Split('=', 2)[1];
        var joined = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("Fatima", "Bewoner"), (joined.GetProperty("displayName").GetString(), joined.GetProperty("role").GetString()));

        await world.App.WithDbAsync(async db =>
        {
            var guest = await db.WorkshopParticipants.SingleAsync(p => p.SessionId == sessionId);
            Assert.Null(guest.PersonId);
            Assert.Equal(Storytelling.Core.Projects.InvitationTokens.Hash(token), guest.TokenHash);
            Assert.DoesNotContain(token, guest.TokenHash);
        });
    }

    [Theory]
    [InlineData(WorkshopWorld.Begeleider, "Begeleider")]
    [InlineData(WorkshopWorld.Beleid, "Beleidsmedewerker")]
    [InlineData(WorkshopWorld.Bewoner, "Bewoner")]
    public async Task Signed_in_member_joins_with_their_project_role_and_no_guest_token(string email, string role)
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, _) = await world.OpenSessionAsync();
        var (response, _) = await world.JoinAsync(code, "Ik", await world.LoginCookieAsync(email));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(role, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString());
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(WorkshopService.GuestCookie, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("ABC", "Naam", HttpStatusCode.NotFound)]
    [InlineData("OOOOOO", "Naam", HttpStatusCode.NotFound)]
    [InlineData("'; drop table--", "Naam", HttpStatusCode.NotFound)]
    [InlineData(null, "", HttpStatusCode.BadRequest)]
    [InlineData(null, "   ", HttpStatusCode.BadRequest)]
    [InlineData(null, "Een naam die veel te lang is voor een telefoonscherm", HttpStatusCode.BadRequest)]
    public async Task Bad_codes_and_names_are_refused(string? code, string name, HttpStatusCode expected)
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (open, _) = await world.OpenSessionAsync();
        var (response, _) = await world.JoinAsync(Uri.EscapeDataString(code ?? open), name);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Joins_are_rate_limited_per_address()
    {
        await using var world = await WorkshopWorld.CreateAsync(new Dictionary<string, string?> { ["Storytelling:Workshops:JoinsPerMinutePerAddress"] = "3" });
        var (code, _) = await world.OpenSessionAsync();
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await world.JoinAsync(code, $"Gast {i}")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await world.JoinAsync(code, "Gast 4")).Response.StatusCode);
    }

    [Theory]
    [InlineData("1000", "1", new[] { 1, 2 })] // busy: the first at once, the two that follow within the window together
    [InlineData("1000", "20", new[] { 1, 1, 1 })] // a quiet room (3 codings, busy from 20 a second): each at once
    [InlineData("0", "1", new[] { 1, 1, 1 })] // pacing off: one message per coding
    public async Task Codings_close_together_in_a_busy_room_reach_it_in_one_message_after_the_first(string window, string busy, int[] expected)
    {
        await using var world = await WorkshopWorld.CreateAsync(new Dictionary<string, string?>
        {
            ["Storytelling:Workshops:CodingPushWindowMs"] = window,
            ["Storytelling:Workshops:CodingPushBusyPerSecond"] = busy,
        });
        var (code, _) = await world.OpenSessionAsync();
        var (_, memberCookie) = await world.JoinAsync(code, "Bea", await world.LoginCookieAsync(WorkshopWorld.Begeleider));
        var (_, guestCookie) = await world.JoinAsync(code, "Fatima");
        await using var member = await world.ConnectAsync(memberCookie);
        await using var guest = await world.ConnectAsync(guestCookie);
        var messages = new System.Collections.Concurrent.ConcurrentQueue<CodingDto[]>();
        guest.On<CodingDto[]>(WorkshopPush.CodingsAdded, messages.Enqueue);
        await guest.InvokeAsync<WorkshopStateDto>("JoinSession", code);
        await member.InvokeAsync<WorkshopStateDto>("JoinSession", code);

        var made = new List<Guid>();
        for (var position = 0; position < 3; position++)
            made.Add((await member.InvokeAsync<CodingDto>("ApplyTheme", world.StoryId, position, world.ThemeWerk)).Id);

        var deadline = DateTime.UtcNow + Wait;
        while (messages.Sum(m => m.Length) < 3 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.Equal(made, messages.SelectMany(m => m).Select(c => c.Id));
        Assert.Equal(expected, messages.Select(m => m.Length));
    }

    [Fact]
    public async Task A_coding_made_by_one_participant_reaches_the_other_pseudonymised()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, sessionId) = await world.OpenSessionAsync();
        var (_, memberCookie) = await world.JoinAsync(code, "Bea", await world.LoginCookieAsync(WorkshopWorld.Begeleider));
        var (_, guestCookie) = await world.JoinAsync(code, "Fatima");
        await using var member = await world.ConnectAsync(memberCookie);
        await using var guest = await world.ConnectAsync(guestCookie);
        var arrived = new TaskCompletionSource<CodingDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        guest.On<CodingDto[]>(WorkshopPush.CodingsAdded, list => arrived.TrySetResult(list[0]));

        var guestState = await guest.InvokeAsync<WorkshopStateDto>("JoinSession", code);
        Assert.Equal(("Fatima", "Bewoner"), (guestState.Me, guestState.Role));
        await member.InvokeAsync<WorkshopStateDto>("JoinSession", code);
        var made = await member.InvokeAsync<CodingDto>("ApplyTheme", world.StoryId, 0, world.ThemeWerk);

        var received = await arrived.Task.WaitAsync(Wait);
        Assert.Equal(made.Id, received.Id);
        Assert.Equal("Ik had een eigen zaak met Peter, mijn compagnon.", received.Text);
        Assert.Equal(("Begeleider", sessionId), (received.AuthorRole, received.WorkshopSessionId));

        // The guest's fragments are pseudonymised too, and show the theme just applied.
        var fragments = await guest.InvokeAsync<List<FragmentDto>>("GetFragments", world.StoryId);
        Assert.DoesNotContain(fragments, f => f.Text.Contains("Jan", StringComparison.Ordinal));
        Assert.Contains(world.ThemeWerk, fragments[0].ThemeIds);
        // A phone places an announced coding itself: the fragment that holds the coding's start, and only that one.
        Assert.Equal([0], fragments.Where(f => received.StartChar >= f.StartChar && received.StartChar <= f.EndChar).Select(f => f.Position));
        Assert.All(fragments.Skip(1), f => Assert.True(f.StartChar > fragments[f.Position - 1].EndChar));
    }

    [Fact]
    public async Task A_coding_made_outside_the_workshop_reaches_everyone_in_the_projects_open_sessions()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, _) = await world.OpenSessionAsync();
        var (_, guestCookie) = await world.JoinAsync(code, "Fatima");
        await using var guest = await world.ConnectAsync(guestCookie);
        var arrived = new TaskCompletionSource<CodingDto>(TaskCreationOptions.RunContinuationsAsynchronously);
        guest.On<CodingDto[]>(WorkshopPush.CodingsAdded, list => arrived.TrySetResult(list[0]));
        await guest.InvokeAsync<WorkshopStateDto>("JoinSession", code);

        var made = await world.CodeAsync(world.StoryId, world.ThemeSchulden, 0, 24, ProjectRole.Beleidsmedewerker);
        var received = await arrived.Task.WaitAsync(Wait);
        Assert.Equal(made.Coding!.Id, received.Id);
        Assert.Equal("Ik had een eigen zaak me", received.Text);
        Assert.Null(received.WorkshopSessionId);
    }

    [Fact]
    public async Task Guests_see_only_stories_whose_teller_agreed_to_analysis()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, _) = await world.OpenSessionAsync();
        var (_, guestCookie) = await world.JoinAsync(code, "Fatima");
        await using var guest = await world.ConnectAsync(guestCookie);
        var state = await guest.InvokeAsync<WorkshopStateDto>("JoinSession", code);
        Assert.Equal(["Karim", "Sanne"], state.Stories.Select(s => s.Teller).ToArray());
        await Assert.ThrowsAsync<HubException>(() => guest.InvokeAsync<List<FragmentDto>>("GetFragments", world.PrivateStoryId));
        await Assert.ThrowsAsync<HubException>(() => guest.InvokeAsync<CodingDto>("ApplyTheme", world.PrivateStoryId, 0, world.ThemeWerk));
    }

    [Fact]
    public async Task Nobody_places_more_votes_than_the_session_allows()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, _) = await world.OpenSessionAsync(votes: 2);
        var (_, guestCookie) = await world.JoinAsync(code, "Fatima");
        var (_, otherCookie) = await world.JoinAsync(code, "Kees");
        await using var guest = await world.ConnectAsync(guestCookie);
        await using var other = await world.ConnectAsync(otherCookie);
        var tallies = new List<List<VoteTallyDto>>();
        other.On<List<VoteTallyDto>>(WorkshopPush.VotesChanged, t => { lock (tallies) tallies.Add(t); });
        await guest.InvokeAsync<WorkshopStateDto>("JoinSession", code);
        await other.InvokeAsync<WorkshopStateDto>("JoinSession", code);

        await guest.InvokeAsync<List<Guid>>("Vote", world.ThemeWerk);
        var mine = await guest.InvokeAsync<List<Guid>>("Vote", world.ThemeWerk);
        Assert.Equal([world.ThemeWerk, world.ThemeWerk], mine);
        var refused = await Assert.ThrowsAsync<HubException>(() => guest.InvokeAsync<List<Guid>>("Vote", world.ThemeSchulden));
        Assert.Contains("al je 2 stemmen", refused.Message);
        Assert.Equal([world.ThemeWerk], await guest.InvokeAsync<List<Guid>>("Unvote", world.ThemeWerk));
        await guest.InvokeAsync<List<Guid>>("Vote", world.ThemeSchulden);

        var staff = await world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        var sessionId = (await staff.GetFromJsonAsync<JsonElement>($"/api/projects/{world.Project.Id}/workshops"))[0].GetProperty("id").GetGuid();
        var board = await staff.GetFromJsonAsync<BoardDto>($"/api/projects/{world.Project.Id}/workshops/{sessionId}/board", TestJsonOptions);
        Assert.Equal(1, board!.Themes.Single(t => t.Id == world.ThemeWerk).Votes);
        Assert.Equal(1, board.Themes.Single(t => t.Id == world.ThemeSchulden).Votes);
        await WaitUntilAsync(() => { lock (tallies) return tallies.Count == 4; });
    }

    [Fact]
    public async Task The_board_shows_a_short_and_a_long_coding_of_the_same_words_as_one_passage_chosen_twice()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (_, sessionId) = await world.OpenSessionAsync();
        // Sentence 2 of Karim's story is [47, 105); one person coded it alone, another with sentence 3 ([106, 146)).
        await world.CodeAsync(world.StoryId, world.ThemeSchulden, 47, 105, ProjectRole.Bewoner);
        var longer = await world.CodeAsync(world.StoryId, world.ThemeSchulden, 47, 146, ProjectRole.Begeleider);
        await world.CodeAsync(world.StoryId, world.ThemeSchulden, 0, 46, ProjectRole.Begeleider);

        var staff = await world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        var board = await staff.GetFromJsonAsync<BoardDto>($"/api/projects/{world.Project.Id}/workshops/{sessionId}/board", TestJsonOptions);
        var schulden = board!.Themes.Single(t => t.Id == world.ThemeSchulden);
        Assert.Equal(2, schulden.Quotes.Count);
        var top = schulden.Quotes[0];
        Assert.Equal(("Toen ging alles mis: de zaak, het huis, mijn inschrijving.\nIk ben gewoon te moe om te solliciteren.", 2, longer.Coding!.Id),
            (top.Text, top.Times, top.CodingId));
        Assert.Equal((3, 1), (schulden.Codings, schulden.Stories));
    }

    [Fact]
    public async Task A_closed_session_stops_taking_work_and_tells_the_room()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, sessionId) = await world.OpenSessionAsync();
        var (_, guestCookie) = await world.JoinAsync(code, "Fatima");
        await using var guest = await world.ConnectAsync(guestCookie);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        guest.On(WorkshopPush.Closed, () => closed.TrySetResult());
        await guest.InvokeAsync<WorkshopStateDto>("JoinSession", code);

        var http = await world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        await http.PostAsync($"/api/projects/{world.Project.Id}/workshops/{sessionId}/close", null);
        await closed.Task.WaitAsync(Wait);
        var refused = await Assert.ThrowsAsync<HubException>(() => guest.InvokeAsync<CodingDto>("ApplyTheme", world.StoryId, 0, world.ThemeWerk));
        Assert.Contains("gesloten", refused.Message);
    }

    [Fact]
    public async Task Spotlight_reaches_every_phone_with_audio_only_where_the_teller_allowed_it_and_only_a_begeleider_sets_it()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, sessionId) = await world.OpenSessionAsync();
        var withAudio = await world.CodeAsync(world.StoryId, world.ThemeWerk, 0, 46, ProjectRole.Bewoner);
        var withoutAudio = await world.CodeAsync(world.SecondStoryId, world.ThemeWerk, 0, 20, ProjectRole.Bewoner);
        var (_, guestCookie) = await world.JoinAsync(code, "Fatima");
        await using var guest = await world.ConnectAsync(guestCookie);
        await using var board = await world.ConnectAsync(await world.LoginCookieAsync(WorkshopWorld.Begeleider));
        var spotlights = System.Threading.Channels.Channel.CreateUnbounded<SpotlightDto?>();
        guest.On<SpotlightDto?>(WorkshopPush.Spotlight, s => spotlights.Writer.TryWrite(s));
        await guest.InvokeAsync<WorkshopStateDto>("JoinSession", code);
        await Assert.ThrowsAsync<HubException>(() => guest.InvokeAsync("Spotlight", withAudio.Coding!.Id));

        var view = await board.InvokeAsync<BoardDto>("WatchBoard", world.Project.Id, sessionId);
        Assert.Equal("Ik had een eigen zaak met Peter, mijn compagnon.", view.Themes.Single(t => t.Id == world.ThemeWerk).Quotes.Single(q => q.StoryId == world.StoryId).Text);
        await board.InvokeAsync("Spotlight", withAudio.Coding!.Id);
        var first = await spotlights.Reader.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal(($"/api/projects/{world.Project.Id}/stories/{world.StoryId}/audio", "Ik had een eigen zaak met Peter, mijn compagnon."), (first!.AudioUrl, first.Text));
        await board.InvokeAsync("Spotlight", withoutAudio.Coding!.Id);
        var second = await spotlights.Reader.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Null(second!.AudioUrl);

        // The name behind "Peter" must not be heard either: the room gets the pseudonymised quote, not the audio.
        await world.App.WithDbAsync(async db =>
        {
            var jan = await db.Pseudonyms.SingleAsync(p => p.ProjectId == world.Project.Id && p.Replacement == "Peter");
            jan.SilenceAudio = true;
            await db.SaveChangesAsync();
        });
        await board.InvokeAsync("Spotlight", withAudio.Coding!.Id);
        var third = await spotlights.Reader.ReadAsync().AsTask().WaitAsync(Wait);
        Assert.Equal((null, "Ik had een eigen zaak met Peter, mijn compagnon."), (third!.AudioUrl, third.Text));
    }

    private static readonly JsonSerializerOptions TestJsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The room was not told in time.");
            await Task.Delay(20);
        }
    }
}
