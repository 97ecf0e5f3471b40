using System.Net.Http.Json;
using Storytelling.Core.Projects;
using Storytelling.Web.Features.Workshops;

namespace Storytelling.Tests.Workshops;

public sealed class AgreementTests
{
    private static IEnumerable<(bool, bool)> Table(int yy, int yn, int ny, int nn) =>
        Enumerable.Repeat((true, true), yy).Concat(Enumerable.Repeat((true, false), yn))
            .Concat(Enumerable.Repeat((false, true), ny)).Concat(Enumerable.Repeat((false, false), nn));

    [Fact]
    public void Kappa_matches_a_hand_computed_table()
    {
        // po = 7/10, pA = 5/10, pB = 6/10, pe = .5·.6 + .5·.4 = .5, κ = (.7 − .5) / (1 − .5) = .4
        var k = Agreement.CohensKappa(Table(4, 1, 2, 3));
        Assert.Equal((10, 0.7, 0.5), (k.Units, k.Observed!.Value, Math.Round(k.Expected!.Value, 10)));
        Assert.Equal(0.4, k.Kappa!.Value, 10);
        Assert.Equal("redelijke overeenstemming", k.Note);
    }

    [Fact]
    public void Kappa_of_a_second_hand_computed_table()
    {
        // po = 85/100, pA = .25, pB = .30, pe = .075 + .525 = .60, κ = .25 / .40 = .625
        var k = Agreement.CohensKappa(Table(20, 5, 10, 65));
        Assert.Equal(0.625, k.Kappa!.Value, 10);
    }

    [Fact]
    public void Perfect_agreement_with_variation_is_one_and_systematic_disagreement_is_minus_one()
    {
        Assert.Equal(1.0, Agreement.CohensKappa(Table(3, 0, 0, 2)).Kappa!.Value, 10);
        Assert.Equal(-1.0, Agreement.CohensKappa(Table(0, 2, 2, 0)).Kappa!.Value, 10);
    }

    [Fact]
    public void Degenerate_cases_give_no_kappa_but_say_why()
    {
        var empty = Agreement.CohensKappa([]);
        Assert.Null(empty.Kappa);
        Assert.Contains("Nog geen gegevens", empty.Note);
        var constant = Agreement.CohensKappa(Table(0, 0, 0, 6));
        Assert.Equal((1.0, (double?)null), (constant.Observed!.Value, constant.Kappa));
        Assert.Contains("niet gedefinieerd", constant.Note);
    }

    [Fact]
    public async Task Tussenruimte_counts_per_group_computes_kappa_and_lists_where_the_groups_differ()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        // Both groups read both stories. Units: 2 stories × 2 themes. (Karim, Werk) yes/yes; (Karim, Schulden) no/no;
        // (Sanne, Werk) resident only; (Sanne, Schulden) professional only → po = .5, pA = pB = .5, pe = .5, κ = 0.
        await world.CodeAsync(world.StoryId, world.ThemeWerk, 0, 46, ProjectRole.Bewoner);
        await world.CodeAsync(world.StoryId, world.ThemeWerk, 0, 46, ProjectRole.Beleidsmedewerker);
        await world.CodeAsync(world.SecondStoryId, world.ThemeWerk, 0, 44, ProjectRole.Bewoner);
        await world.CodeAsync(world.SecondStoryId, world.ThemeWerk, 0, 44, ProjectRole.Bewoner);
        await world.CodeAsync(world.SecondStoryId, world.ThemeSchulden, 45, 67, ProjectRole.Begeleider);

        var http = await world.App.SignedInClientAsync(WorkshopWorld.Bewoner);
        var result = await http.GetFromJsonAsync<TussenruimteDto>($"/api/projects/{world.Project.Id}/tussenruimte");
        var werk = result!.Themes.Single(t => t.Name == "Werk");
        Assert.Equal((3, 1, 2, 1), (werk.ResidentCodings, werk.ProfessionalCodings, werk.ResidentStories, werk.ProfessionalStories));
        Assert.Equal(4, result.Agreement.Units);
        Assert.Equal(0.0, result.Agreement.Kappa!.Value, 10);
        Assert.Contains("(1 − pₑ)", result.Formula);
        var top = result.Differences[0];
        Assert.Equal(("Werk", "Als ik ga werken, ben ik mijn toeslag kwijt.", 2, 0), (top.ThemeName, top.Text, top.Residents, top.Professionals));
        Assert.Contains(result.Differences, d => d.ThemeName == "Schulden" && d.Professionals == 1 && d.Residents == 0);
        Assert.DoesNotContain(result.Differences, d => d.StoryId == world.StoryId);

        // The page draws the stories per theme and group as a chart, its numbers in the table beneath.
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await http.GetStringAsync($"/projects/{world.Project.Id}/tussenruimte"));
        var svg = page.QuerySelector("figure.page-chart svg[role=img]")!;
        Assert.Equal(["Bewoners", "Professionals", "Werk", "2", "1", "Schulden", "0", "1"], svg.QuerySelectorAll("text").Select(t => t.TextContent));
        Assert.Contains(svg.QuerySelectorAll("rect"), r => r.GetAttribute("fill") == "#1F618D");
        Assert.Equal("TABLE", page.QuerySelector("figure.page-chart")!.NextElementSibling!.TagName);
    }

    // Karim's story: sentence 2 is [47, 105), sentence 3 is [106, 146).
    private const int Sentence2 = 47, Sentence2End = 105, Sentence3End = 146;

    [Fact]
    public async Task A_resident_coding_one_sentence_and_an_official_coding_it_with_the_next_agree_and_are_not_listed_as_a_difference()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        await world.CodeAsync(world.StoryId, world.ThemeWerk, Sentence2, Sentence2End, ProjectRole.Bewoner);
        await world.CodeAsync(world.StoryId, world.ThemeWerk, Sentence2, Sentence3End, ProjectRole.Beleidsmedewerker);

        var http = await world.App.SignedInClientAsync(WorkshopWorld.Bewoner);
        var result = await http.GetFromJsonAsync<TussenruimteDto>($"/api/projects/{world.Project.Id}/tussenruimte");
        // Units: Karim × {Werk, Schulden}. Werk is yes/yes, Schulden no/no: full agreement, and no difference to show.
        Assert.Equal((2, 1, 0, 0, 1), (result!.Agreement.Units, result.Agreement.BothYes, result.Agreement.OnlyFirst, result.Agreement.OnlySecond, result.Agreement.BothNo));
        Assert.Equal(1.0, result.Agreement.Kappa!.Value, 10);
        Assert.Empty(result.Differences);

        var page = await http.GetStringAsync($"/projects/{world.Project.Id}/tussenruimte");
        Assert.DoesNotContain("Toen ging alles mis", page);
    }

    [Fact]
    public async Task A_short_and_a_long_coding_of_one_passage_by_one_group_are_one_difference_showing_the_whole_passage()
    {
        await using var world = await WorkshopWorld.CreateAsync();
        await world.CodeAsync(world.StoryId, world.ThemeSchulden, Sentence2, Sentence2End, ProjectRole.Bewoner);
        await world.CodeAsync(world.StoryId, world.ThemeSchulden, Sentence2, Sentence3End, ProjectRole.Bewoner);
        await world.CodeAsync(world.StoryId, world.ThemeWerk, 0, 46, ProjectRole.Begeleider);

        var http = await world.App.SignedInClientAsync(WorkshopWorld.Bewoner);
        var result = await http.GetFromJsonAsync<TussenruimteDto>($"/api/projects/{world.Project.Id}/tussenruimte");
        var schulden = Assert.Single(result!.Differences, d => d.ThemeName == "Schulden");
        Assert.Equal(("Toen ging alles mis: de zaak, het huis, mijn inschrijving.\nIk ben gewoon te moe om te solliciteren.", 2, 0, 0),
            (schulden.Text, schulden.Residents, schulden.Professionals, schulden.OtherPassages));
        // The same unit in kappa: (Karim, Schulden) is one "only residents" decision, (Karim, Werk) one "only professionals".
        Assert.Equal((1, 1), (result.Agreement.OnlyFirst, result.Agreement.OnlySecond));
        Assert.Equal(2, result.Differences.Count);
    }
}
