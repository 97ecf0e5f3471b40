using Microsoft.EntityFrameworkCore;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Security;

/// <summary>The hole an outside tester found: a page bound <c>ProjectId</c> from the posted form, which won over the
/// address the authorization policy had checked. Ids now come from the address only.</summary>
public sealed class RouteIdTests : IAsyncLifetime
{
    private readonly TestApp _app = new();
    private Guid _a;
    private Guid _b;
    private HttpClient _facilitatorOfA = null!;

    public async Task InitializeAsync()
    {
        await _app.MigrateAsync();
        var facilitator = await _app.CreatePersonAsync("begeleider-a@example.org");
        var other = await _app.CreatePersonAsync("begeleider-b@example.org");
        _a = (await _app.CreateProjectAsync("Buurt Akkerwinde", (facilitator.Id, ProjectRole.Begeleider))).Id;
        _b = (await _app.CreateProjectAsync("Buurt Berkenhof", (other.Id, ProjectRole.Begeleider))).Id;
        _facilitatorOfA = await _app.SignedInClientAsync("begeleider-a@example.org");
    }

    public Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_project_id_in_the_form_cannot_redirect_a_page_post_to_another_project()
    {
        var page = await _facilitatorOfA.GetStringAsync($"/projects/{_a}/retention");
        var response = await Forms.PostAsync(_facilitatorOfA, $"/projects/{_a}/retention", page, null,
            new() { ["ProjectId"] = _b.ToString(), ["projectId"] = _b.ToString(), ["Days"] = "30" });
        response.EnsureSuccessStatusCode();

        await _app.WithDbAsync(async db =>
        {
            Assert.Null((await db.Projects.SingleAsync(p => p.Id == _b)).AudioRetentionDays);
            Assert.Equal(30, (await db.Projects.SingleAsync(p => p.Id == _a)).AudioRetentionDays);
        });
    }

    [Fact]
    public async Task A_project_id_in_the_query_cannot_make_a_page_show_another_project()
    {
        var html = await _facilitatorOfA.GetStringAsync($"/projects/{_a}/codebook?projectId={_b}&ProjectId={_b}");
        Assert.Contains("Buurt Akkerwinde", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Buurt Berkenhof", html, StringComparison.Ordinal);
    }
}
