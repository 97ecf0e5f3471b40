using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Stories;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Tellers;

namespace Storytelling.Tests.Tellers;

/// <summary>
/// A story of the other project, named by id or by receipt code under this project: the tellers service does not find
/// it, so neither the API nor the facilitator's page can withdraw it or change its consent, and it stays as it was.
/// </summary>
public sealed class TellerOwnershipTests(TellerPageWorld world) : IClassFixture<TellerPageWorld>
{
    private async Task<T> WithServiceAsync<T>(Func<TellersService, Task<T>> action)
    {
        await using var scope = world.App.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<TellersService>());
    }

    private async Task AssertUntouchedAsync(Guid storyId)
    {
        await world.App.WithDbAsync(async db =>
        {
            var story = await db.Stories.AsNoTracking().SingleAsync(s => s.Id == storyId);
            Assert.Equal(ConsentScopes.Analysis | ConsentScopes.QuotesInReports, story.Consent.Scopes);
            Assert.Equal(0, await db.AuditLog.CountAsync(a => a.SubjectId == storyId));
        });
    }

    [Fact]
    public async Task The_service_does_not_find_another_projects_story_by_id_or_receipt_code()
    {
        var elsewhere = await world.StoryAsync(61, world.OtherProjectId);
        var me = world.People["begeleider"];

        Assert.Null(await WithServiceAsync(s => s.StoryByReceiptCodeAsync(world.ProjectId, elsewhere.Code, CancellationToken.None)));
        Assert.Equal(elsewhere.Id, await WithServiceAsync(s => s.StoryByReceiptCodeAsync(world.OtherProjectId, elsewhere.Code, CancellationToken.None)));
        Assert.Null(await WithServiceAsync(s => s.ChangeConsentAsync(world.ProjectId, elsewhere.Id, false, true, me, CancellationToken.None)));
        Assert.False(await WithServiceAsync(s => s.WithdrawAsync(world.ProjectId, elsewhere.Id, me, CancellationToken.None)));
        await AssertUntouchedAsync(elsewhere.Id);

        // Under its own project the same call finds it: the refusal above was the project, not the story.
        var own = await WithServiceAsync(s => s.ChangeConsentAsync(world.OtherProjectId, elsewhere.Id, true, true, me, CancellationToken.None));
        Assert.Equal(new ConsentDto(true, true, true), own);
    }

    [Fact]
    public async Task Publishing_an_update_changes_only_the_project_the_address_names()
    {
        await world.App.WithDbAsync(async db =>
        {
            var other = await db.Projects.SingleAsync(p => p.Id == world.OtherProjectId);
            other.PublishedUpdate = "Bericht van het andere project.";
            await db.SaveChangesAsync();
        });
        var path = $"/projects/{world.ProjectId}/vertellers";
        var facilitator = world.Clients["begeleider"];
        var page = await facilitator.GetStringAsync(path);
        // A posted project id is no address: the form field is ignored and this project's update is set.
        var saved = await Forms.PostAsync(facilitator, path, page, "Update",
            new() { ["UpdateText"] = "Dank voor jullie verhalen.", ["ProjectId"] = world.OtherProjectId.ToString() });
        Assert.Equal($"{path}?saved=true", saved.Headers.Location!.OriginalString);
        await world.App.WithDbAsync(async db =>
        {
            Assert.Equal("Dank voor jullie verhalen.", (await db.Projects.SingleAsync(p => p.Id == world.ProjectId)).PublishedUpdate);
            Assert.Equal("Bericht van het andere project.", (await db.Projects.SingleAsync(p => p.Id == world.OtherProjectId)).PublishedUpdate);
        });
    }

    [Fact]
    public async Task Through_the_api_and_the_page_another_projects_story_keeps_its_consent_and_stays()
    {
        var elsewhere = await world.StoryAsync(62, world.OtherProjectId);
        var facilitator = world.Clients["begeleider"];
        var api = $"/api/projects/{world.ProjectId}/stories/{elsewhere.Id}";
        Assert.Equal(HttpStatusCode.NotFound,
            (await facilitator.PutAsJsonAsync($"{api}/consent", new { quotesInReports = false, audioInWorkshops = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await facilitator.PostAsync($"{api}/withdrawal", null)).StatusCode);

        var path = $"/projects/{world.ProjectId}/vertellers";
        var page = await facilitator.GetStringAsync(path);
        var consent = await Forms.PostAsync(facilitator, path, page, "Consent",
            new() { ["Code"] = elsewhere.Code, ["Asked"] = "true", ["Audio"] = "true" });
        Assert.Contains("Met deze code is er geen verhaal in dit project.", await consent.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await AssertUntouchedAsync(elsewhere.Id);
    }
}
