using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Features.Workshops;

namespace Storytelling.Tests.Workshops;

/// <summary>What the live room may learn and who may stay in it: codes cost tries through every door, a closed
/// session's guests are out, staff appear by role, and the board is the begeleider's.</summary>
public sealed class WorkshopRightsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_hub_and_the_http_join_share_one_budget_per_address_and_answer_unknown_closed_and_not_joined_alike()
    {
        await using var world = await WorkshopWorld.CreateAsync(new Dictionary<string, string?> { ["Storytelling:Workshops:JoinsPerMinutePerAddress"] = "4" });
        var (code, _) = await world.OpenSessionAsync();
        var (closedCode, closedId) = await world.OpenSessionAsync();
        var staff = await world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        await staff.PostAsync($"/api/projects/{world.Project.Id}/workshops/{closedId}/close", null);

        var (joined, guestCookie) = await world.JoinAsync(code, "Fatima");                                 // try 1
        Assert.Equal(HttpStatusCode.OK, joined.StatusCode);
        await using var guest = await world.ConnectAsync(guestCookie);
        await using var stranger = await world.ConnectAsync("none=0");
        var unknown = await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync<WorkshopStateDto>("JoinSession", "QQQQQQ"));   // 2
        var notJoined = await Assert.ThrowsAsync<HubException>(() => stranger.InvokeAsync<WorkshopStateDto>("JoinSession", code));    // 3
        var closed = await Assert.ThrowsAsync<HubException>(() => guest.InvokeAsync<WorkshopStateDto>("JoinSession", closedCode));     // 4
        Assert.All(new[] { unknown, notJoined, closed }, e => Assert.Contains(WorkshopHub.NotInSession, e.Message, StringComparison.Ordinal));

        // The budget is spent: the guest's own, valid join is refused too, and so is the HTTP join from the same address.
        var limited = await Assert.ThrowsAsync<HubException>(() => guest.InvokeAsync<WorkshopStateDto>("JoinSession", code));
        Assert.Contains(WorkshopHub.TooManyTries, limited.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await world.JoinAsync(code, "Karel")).Response.StatusCode);
    }

    [Fact]
    public async Task The_phone_page_charges_an_unknown_code_to_the_same_budget()
    {
        await using var world = await WorkshopWorld.CreateAsync(new Dictionary<string, string?> { ["Storytelling:Workshops:JoinsPerMinutePerAddress"] = "2" });
        var (code, _) = await world.OpenSessionAsync();
        var browser = world.App.AnonymousClient();
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/w/{code}")).StatusCode);     // a real code costs nothing
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/w/QQQQQQ")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/w/QQQQQR")).StatusCode);
        var refused = await browser.GetAsync("/w/QQQQQS");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Contains("Te veel pogingen", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await world.JoinAsync(code, "Fatima")).Response.StatusCode);
    }

    [Fact]
    public async Task Closing_a_session_puts_its_guests_out_of_the_room()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, sessionId) = await world.OpenSessionAsync();
        var (_, guestCookie) = await world.JoinAsync(code, "Fatima");
        await using var guest = await world.ConnectAsync(guestCookie);
        await using var board = await world.ConnectAsync(await world.LoginCookieAsync(WorkshopWorld.Begeleider));
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var guestHeard = new ConcurrentQueue<Guid>();
        var boardHeard = new TaskCompletionSource<Guid>(TaskCreationOptions.RunContinuationsAsynchronously);
        guest.On(WorkshopPush.Closed, () => closed.TrySetResult());
        guest.On<Guid>(WorkshopPush.CodingRemoved, guestHeard.Enqueue);
        board.On<Guid>(WorkshopPush.CodingRemoved, id => boardHeard.TrySetResult(id));
        await guest.InvokeAsync<WorkshopStateDto>("JoinSession", code);
        await board.InvokeAsync<BoardDto>("WatchBoard", world.Project.Id, sessionId);
        var room = world.App.Services.GetRequiredService<WorkshopRoom>();
        Assert.Equal(1, await room.PhonesInAsync(sessionId, CancellationToken.None));

        var staff = await world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsync($"/api/projects/{world.Project.Id}/workshops/{sessionId}/close", null)).StatusCode);
        await closed.Task.WaitAsync(Wait);
        Assert.Equal(0, await room.PhonesInAsync(sessionId, CancellationToken.None));

        // Whatever still reaches the session's group (here the board's) no longer reaches the guest.
        var hub = world.App.Services.GetRequiredService<IHubContext<WorkshopHub>>();
        var marker = Guid.NewGuid();
        await hub.Clients.Group(WorkshopPush.Group(sessionId)).SendAsync(WorkshopPush.CodingRemoved, marker);
        Assert.Equal(marker, await boardHeard.Task.WaitAsync(Wait));
        await Task.Delay(500);
        Assert.Empty(guestHeard);

        var refused = await Assert.ThrowsAsync<HubException>(() => guest.InvokeAsync<List<FragmentDto>>("GetFragments", world.StoryId));
        Assert.Contains("gesloten", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HubException>(() => guest.InvokeAsync<WorkshopStateDto>("JoinSession", code));
    }

    [Fact]
    public async Task Guests_see_staff_by_role_label_never_by_name()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (code, _) = await world.OpenSessionAsync();
        var login = await world.LoginCookieAsync(WorkshopWorld.Begeleider);
        var (_, staffCookie) = await world.JoinAsync(code, "Bea", login);
        var (_, guestCookie) = await world.JoinAsync(code, "Fatima");
        var (_, otherCookie) = await world.JoinAsync(code, "Karel");
        await using var member = await world.ConnectAsync(staffCookie);
        await using var guest = await world.ConnectAsync(guestCookie);
        await using var other = await world.ConnectAsync(otherCookie);
        var heard = new ConcurrentQueue<CodingDto>();
        guest.On<CodingDto[]>(WorkshopPush.CodingsAdded, list => { foreach (var c in list) heard.Enqueue(c); });
        await guest.InvokeAsync<WorkshopStateDto>("JoinSession", code);
        await member.InvokeAsync<WorkshopStateDto>("JoinSession", code);
        await other.InvokeAsync<WorkshopStateDto>("JoinSession", code);

        var fromPhone = await member.InvokeAsync<CodingDto>("ApplyTheme", world.StoryId, 0, world.ThemeWerk);
        Assert.Equal("Begeleider", fromPhone.AuthorName);
        var staff = await world.App.SignedInClientAsync(WorkshopWorld.Begeleider);
        var fromPage = await staff.PostAsJsonAsync($"/api/projects/{world.Project.Id}/stories/{world.SecondStoryId}/codings",
            new { themeId = world.ThemeSchulden, startChar = 0, endChar = 10 });
        Assert.Equal(HttpStatusCode.Created, fromPage.StatusCode);
        await other.InvokeAsync<CodingDto>("ApplyTheme", world.StoryId, 1, world.ThemeSchulden);

        await WaitUntilAsync(() => heard.Count == 3);
        var names = heard.ToDictionary(c => c.Id, c => c.AuthorName);
        Assert.Equal("Begeleider", names[fromPhone.Id]);
        Assert.Equal("Begeleider", names[(await fromPage.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid()]);
        Assert.Contains("Karel", names.Values);
        Assert.DoesNotContain(heard, c => JsonSerializer.Serialize(c).Contains("Bea", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_a_begeleider_of_the_sessions_own_project_opens_the_board()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        var (_, sessionId) = await world.OpenSessionAsync();
        var elsewhere = await world.App.CreatePersonAsync("elders@example.org");
        var otherProject = await world.App.CreateProjectAsync("Elders", (elsewhere.Id, ProjectRole.Begeleider));

        foreach (var email in new[] { WorkshopWorld.Beleid, WorkshopWorld.Bewoner, "elders@example.org" })
        {
            await using var connection = await world.ConnectAsync(await world.LoginCookieAsync(email));
            await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<BoardDto>("WatchBoard", world.Project.Id, sessionId));
            // Naming one's own project does not reach another project's session.
            await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<BoardDto>("WatchBoard", otherProject.Id, sessionId));
        }
        await using var facilitator = await world.ConnectAsync(await world.LoginCookieAsync(WorkshopWorld.Begeleider));
        var board = await facilitator.InvokeAsync<BoardDto>("WatchBoard", world.Project.Id, sessionId);
        Assert.Equal(sessionId, board.SessionId);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + Wait;
        while (!condition())
        {
            if (DateTime.UtcNow > until) throw new TimeoutException("The room never got there.");
            await Task.Delay(50);
        }
    }
}
