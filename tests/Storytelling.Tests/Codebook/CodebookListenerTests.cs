using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Transcripts;
using Storytelling.Web.Features.Codebook;

namespace Storytelling.Tests.Codebook;

/// <summary>The live workshop refreshes its theme board because every codebook change tells the listeners.</summary>
public sealed class CodebookListenerTests
{
    private sealed class Recorder : IAnalysisEvents
    {
        public List<Guid> Changed { get; } = [];
        public Task CodingAddedAsync(Guid projectId, CodingDto coding, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task CodingRemovedAsync(Guid projectId, Guid codingId, CancellationToken cancellationToken) => Task.CompletedTask;
        public Task CodebookChangedAsync(Guid projectId, CancellationToken cancellationToken)
        {
            lock (Changed) Changed.Add(projectId);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task Propose_edit_merge_and_split_each_tell_the_listeners_once()
    {
        using var app = await new TestApp().MigrateAsync();
        var recorder = new Recorder();
        using var factory = app.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IAnalysisEvents>(recorder)));
        var f = await app.CreatePersonAsync("begeleider@example.org");
        var project = await app.CreateProjectAsync("Houten", (f.Id, ProjectRole.Begeleider));
        var http = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        (await http.PostAsJsonAsync("/api/account/login", new { email = "begeleider@example.org", password = TestApp.Password })).EnsureSuccessStatusCode();
        var url = $"/api/projects/{project.Id}/themes";

        var a = (await (await http.PostAsJsonAsync(url, new { name = "Werk" })).Content.ReadFromJsonAsync<ThemeDto>(TestJson.Options))!;
        var b = (await (await http.PostAsJsonAsync(url, new { name = "Geld" })).Content.ReadFromJsonAsync<ThemeDto>(TestJson.Options))!;
        (await http.PatchAsJsonAsync($"{url}/{a.Id}", new { name = "Betaald werk" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"{url}/{a.Id}/split", new { name = "Vrijwilligerswerk" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"{url}/{a.Id}/merge", new { intoThemeId = b.Id })).EnsureSuccessStatusCode();
        // A refused change tells nobody.
        await http.PostAsJsonAsync($"{url}/{b.Id}/merge", new { intoThemeId = b.Id });

        Assert.Equal(Enumerable.Repeat(project.Id, 5), recorder.Changed);
    }
}
