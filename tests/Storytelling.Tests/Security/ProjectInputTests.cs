using System.Net;
using System.Net.Http.Json;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Security;

public sealed class ProjectInputTests : IAsyncLifetime
{
    private readonly TestApp _app = new();
    private HttpClient _admin = null!;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        await _app.CreatePersonAsync("admin@example.org", administrator: true);
        _admin = await _app.SignedInClientAsync("admin@example.org");
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    public static TheoryData<string, string> BadProjects() => new()
    {
        { """{"name":"","guidingQuestion":"Vraag?"}""", "name" },
        { """{"name":"   ","guidingQuestion":"Vraag?"}""", "name" },
        { $$"""{"name":"{{new string('x', 201)}}","guidingQuestion":"Vraag?"}""", "name" },
        { """{"name":"Werk","guidingQuestion":""}""", "guidingQuestion" },
        { """{"name":"Werk","guidingQuestion":"Vraag?","allowedLanguages":["dutch"]}""", "allowedLanguages" },
        { """{"name":"Werk","guidingQuestion":"Vraag?","allowedLanguages":["nl"],"defaultLanguage":"en"}""", "defaultLanguage" },
        { """{"name":"Werk","guidingQuestion":"Vraag?","maxRecordingBytes":1}""", "maxRecordingBytes" },
        { """{"name":"Werk","guidingQuestion":"Vraag?","maxRecordingSeconds":999999}""", "maxRecordingSeconds" },
        { """{"name":"Werk","guidingQuestion":"Vraag?","audioRetentionDays":0}""", "audioRetentionDays" },
    };

    [Theory]
    [MemberData(nameof(BadProjects))]
    public async Task A_bad_project_is_refused_naming_the_field_and_nothing_is_created(string json, string field)
    {
        var response = await _admin.PostAsync("/api/projects", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"{field}\"", await response.Content.ReadAsStringAsync());
        await _app.WithDbAsync(async db => Assert.Empty(db.Projects));
    }

    [Fact]
    public async Task Hostile_text_is_stored_as_text_and_shown_escaped()
    {
        var response = await _admin.PostAsJsonAsync("/api/projects",
            new { name = "<script>alert('x')</script>", guidingQuestion = "Wat \"betekent\" <b>werk</b>?" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var project = await response.Content.ReadFromJsonAsync<ProjectRef>(TestJson.Options);
        Assert.Equal("<script>alert('x')</script>", project!.Name);

        var html = await (await _admin.GetAsync($"/projects/{project.Id}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>alert", html);
        Assert.Contains("&lt;script&gt;", html);
    }

    [Fact]
    public async Task The_creator_becomes_beheerder_and_the_project_has_the_pilot_defaults()
    {
        var response = await _admin.PostAsJsonAsync("/api/projects", new { name = "Houten", guidingQuestion = "Wat betekent werk voor jou?" });
        var project = await response.Content.ReadFromJsonAsync<ProjectRef>(TestJson.Options);
        Assert.Equal([ProjectRole.Beheerder], project!.MyRoles);
        Assert.Equal("nl", project.DefaultLanguage);
        Assert.Equal(ProjectPhase.Gather, project.Phase);
        Assert.Equal(500L * 1024 * 1024, project.MaxRecordingBytes);
        Assert.Equal(7200, project.MaxRecordingSeconds);
    }

    private sealed record ProjectRef(Guid Id, string Name, string DefaultLanguage, ProjectPhase Phase,
        long MaxRecordingBytes, int MaxRecordingSeconds, List<ProjectRole> MyRoles);
}
