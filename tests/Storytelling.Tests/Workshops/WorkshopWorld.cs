using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcripts;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Transcripts;

namespace Storytelling.Tests.Workshops;

/// <summary>
/// A project ready for a workshop: a begeleider, a resident and a policy officer with accounts; a story the teller
/// agreed to have analysed (mentioning "Jan", pseudonymised as "Peter"), a story without that consent, and two themes.
/// </summary>
public sealed class WorkshopWorld : IAsyncDisposable
{
    public required TestApp App { get; init; }
    public required Project Project { get; init; }
    public required Guid StoryId { get; init; }
    public required Guid SecondStoryId { get; init; }
    public required Guid PrivateStoryId { get; init; }
    public required Guid ThemeWerk { get; init; }
    public required Guid ThemeSchulden { get; init; }

    public const string Begeleider = "begeleider@example.org";
    public const string Bewoner = "bewoner@example.org";
    public const string Beleid = "beleid@example.org";

    public static async Task<WorkshopWorld> CreateAsync(IDictionary<string, string?>? settings = null)
    {
        var app = await new TestApp(settings).MigrateAsync();
        var begeleider = await app.CreatePersonAsync(Begeleider, name: "Bea Begeleider");
        var bewoner = await app.CreatePersonAsync(Bewoner, name: "Bert Bewoner");
        var beleid = await app.CreatePersonAsync(Beleid, name: "Paula Beleid");
        var project = await app.CreateProjectAsync("Werk in Houten",
            (begeleider.Id, ProjectRole.Begeleider), (bewoner.Id, ProjectRole.Bewoner), (beleid.Id, ProjectRole.Beleidsmedewerker));
        Guid story = default, second = default, hidden = default, werk = default, schulden = default;
        await app.WithDbAsync(async db =>
        {
            var at = app.Time.GetUtcNow();
            Story NewStory(string teller, ConsentScopes scopes, params string[] lines)
            {
                var s = new Story
                {
                    ProjectId = project.Id, TellerPseudonym = teller, ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at = at.AddMinutes(1),
                    Consent = new Consent { Scopes = scopes, GivenAt = at },
                };
                db.Stories.Add(s);
                db.Transcripts.Add(new Transcript
                {
                    StoryId = s.Id, Version = 1, Origin = TranscriptOrigin.Machine, CreatedAt = at,
                    Segments = lines.Select((l, i) => new TranscriptSegment { Position = i, StartMs = i * 4000, EndMs = i * 4000 + 3500, Text = l }).ToList(),
                });
                return s;
            }
            story = NewStory("Karim", ConsentScopes.Analysis | ConsentScopes.AudioInWorkshops,
                "Ik had een eigen zaak met Jan, mijn compagnon.", "Toen ging alles mis: de zaak, het huis, mijn inschrijving.", "Ik ben gewoon te moe om te solliciteren.").Id;
            second = NewStory("Sanne", ConsentScopes.Analysis,
                "Als ik ga werken, ben ik mijn toeslag kwijt.", "Daar ben ik bang voor.").Id;
            hidden = NewStory("Geheim", ConsentScopes.None, "Dit verhaal is niet voor de werksessie.").Id;
            db.Pseudonyms.Add(new Pseudonym { ProjectId = project.Id, StoryId = story, Original = "Jan", Replacement = "Peter", CreatedAt = at });
            var w = new Theme { ProjectId = project.Id, Name = "Werk", Colour = "#1F618D", Kind = ThemeKind.Knelpunt, CreatedAt = at };
            var s2 = new Theme { ProjectId = project.Id, Name = "Schulden", Colour = "#C0392B", Kind = ThemeKind.Knelpunt, CreatedAt = at };
            db.Themes.AddRange(w, s2);
            werk = w.Id;
            schulden = s2.Id;
            await db.SaveChangesAsync();
        });
        return new WorkshopWorld
        {
            App = app, Project = project, StoryId = story, SecondStoryId = second, PrivateStoryId = hidden, ThemeWerk = werk, ThemeSchulden = schulden,
        };
    }

    /// <summary>The "name=value" cookie pair the real login endpoint hands out.</summary>
    public async Task<string> LoginCookieAsync(string email)
    {
        using var http = App.CreateClient(new() { HandleCookies = false, AllowAutoRedirect = false });
        var response = await http.PostAsJsonAsync("/api/account/login", new { email, password = TestApp.Password });
        response.EnsureSuccessStatusCode();
        return CookiePairs(response);
    }

    public static string CookiePairs(HttpResponseMessage response) =>
        string.Join("; ", response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Select(v => v.Split(';')[0]) : []);

    public async Task<(string Code, Guid SessionId)> OpenSessionAsync(int votes = 3)
    {
        var http = await App.SignedInClientAsync(Begeleider);
        var response = await http.PostAsJsonAsync($"/api/projects/{Project.Id}/workshops", new { title = "Veranderbijeenkomst", votesPerParticipant = votes });
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (json.GetProperty("code").GetString()!, json.GetProperty("id").GetGuid());
    }

    /// <summary>Joins with a name; returns the response and the cookie header to send afterwards (login cookie and/or guest cookie).</summary>
    public async Task<(HttpResponseMessage Response, string Cookie)> JoinAsync(string code, string name, string? loginCookie = null)
    {
        using var http = App.CreateClient(new() { HandleCookies = false, AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/workshops/{code}/join") { Content = JsonContent.Create(new { displayName = name }) };
        if (loginCookie is not null) request.Headers.Add("Cookie", loginCookie);
        var response = await http.SendAsync(request);
        var cookie = string.Join("; ", new[] { loginCookie, CookiePairs(response) }.Where(c => !string.IsNullOrEmpty(c)));
        return (response, cookie);
    }

    public async Task<HubConnection> ConnectAsync(string cookie)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(App.Server.BaseAddress, "/hubs/workshop"), o =>
            {
                // The test server speaks HTTP only; long polling carries the same cookies a phone would send.
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => App.Server.CreateHandler();
                o.Headers["Cookie"] = cookie;
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()))
            .Build();
        await connection.StartAsync();
        return connection;
    }

    /// <summary>A coding made outside the workshop, as the transcript page or the API would.</summary>
    public async Task<CodingResult> CodeAsync(Guid storyId, Guid themeId, int start, int end, ProjectRole role, Guid? personId = null)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var codings = scope.ServiceProvider.GetRequiredService<CodingService>();
        return await codings.CreateAsync(Project.Id, new NewCoding(storyId, themeId, start, end, null), new CodingAuthor(personId, role, role.ToString()), CancellationToken.None);
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
