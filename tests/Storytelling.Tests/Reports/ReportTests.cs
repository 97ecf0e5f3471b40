using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using AngleSharp.Html.Parser;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Validation;
using DocumentFormat.OpenXml.Wordprocessing;
using Microsoft.EntityFrameworkCore;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Reports;

namespace Storytelling.Tests.Reports;

public sealed class ReportTests(ReportWorld world) : ReportContract(world), IClassFixture<ReportWorld>;

public sealed class PostgresReportTests(PostgresReportWorld world) : ReportContract(world), IClassFixture<PostgresReportWorld>;

/// <summary>Theme reports end to end through the API, on SQLite and on PostgreSQL.</summary>
public abstract class ReportContract(ReportWorld world)
{
    private HttpClient Officer => world.Clients["beleidsmedewerker"];

    [Fact]
    public async Task Candidates_follow_the_workshop_votes_count_both_groups_and_leave_out_stories_without_quote_consent()
    {
        var s = await world.NewProjectAsync();
        var themes = (await Officer.GetFromJsonAsync<List<ThemeCandidateDto>>($"/api/projects/{s.ProjectId}/reports/candidates", TestJson.Options))!;

        Assert.Equal(["Geldzorgen", "Erbij horen"], themes.Select(t => t.Name));
        Assert.Equal([2, 1], themes.Select(t => t.Votes));
        var money = themes[0];
        Assert.Equal(new ThemeCountsDto(Stories: 2, Tellers: 2, Residents: 0, Professionals: 2), money.Counts);
        var only = Assert.Single(money.Quotes);
        Assert.Equal(s.TessaMoney, only.CodingId);
        Assert.DoesNotContain(money.Quotes, q => q.StoryId == s.Ahmed);
        var belonging = themes[1];
        Assert.Equal(new ThemeCountsDto(Stories: 2, Tellers: 2, Residents: 1, Professionals: 1), belonging.Counts);
        // Coded by a resident and a facilitator: one quote, counted twice, shown first.
        Assert.Equal(s.TessaBelonging, belonging.Quotes[0].CodingId);
        Assert.Equal(2, belonging.Quotes[0].TimesCoded);
    }

    [Fact]
    public async Task Quotes_are_pseudonymised_even_for_a_facilitator_who_sees_originals()
    {
        var s = await world.NewProjectAsync();
        var candidates = await world.Clients["begeleider"].GetStringAsync($"/api/projects/{s.ProjectId}/reports/candidates");
        Assert.Contains("Ik ben Peter en ik woon in Houten.", candidates);
        Assert.DoesNotContain("Jan de Vries", candidates);

        var report = await world.CreateReportAsync(s, "begeleider");
        Assert.Contains("> Ik ben Peter en ik woon in Houten.[^q1]", report.Markdown);
        Assert.DoesNotContain("Jan de Vries", report.Markdown);
        await world.App.WithDbAsync(async db =>
            Assert.False(await db.ReportQuotes.AnyAsync(q => q.Text.Contains("Jan de Vries"))));
    }

    [Fact]
    public async Task Draft_holds_method_counts_table_chosen_quotes_in_order_and_provenance_with_a_link_back()
    {
        var s = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(s);
        var md = report.Markdown;

        Assert.Contains("Hoofdvraag: *Wat betekent werk voor jou?*", md);
        Assert.Contains("Dit rapport steunt op 3 verhalen van 3 vertellers", md);
        Assert.Contains("Geanalyseerd door 1 bewoner en 2 professionals", md);
        Assert.Contains("| 1 | Geldzorgen | 2 | 2 | 0 | 2 | 2 |", md);
        Assert.Contains("| 2 | Erbij horen | 2 | 2 | 1 | 1 | 1 |", md);
        Assert.True(md.IndexOf("## 1. Geldzorgen", StringComparison.Ordinal) < md.IndexOf("## 2. Erbij horen", StringComparison.Ordinal));
        Assert.Contains("Ergens bij horen, nodig zijn.", md);
        Assert.Contains("> Werk betekent voor mij dat ik ertoe doe.[^q2]", md);
        Assert.Contains("> Bij de voedselbank leerde ik Nederlands en vond ik vrienden.[^q3]", md);
        Assert.DoesNotContain(ReportWorld.AhmedText, md);
        // Tessa's second segment starts at 5 s.
        Assert.Contains($"[^q2]: Tessa (pseudoniem), verhaal-id {s.Tessa}, op 00:05: <http://localhost/projects/{s.ProjectId}/stories/{s.Tessa}?t=5>", md);
        Assert.Contains($"- Noor (pseudoniem), verhaal-id {s.Noor}, geciteerd bij Erbij horen", md);
        Assert.Equal(2, report.Themes.Count);
        Assert.Equal([s.TessaBelonging, s.NoorBelonging], report.Themes[1].Quotes.Select(q => q.CodingId));

        var html = await Officer.GetStringAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}.html");
        Assert.Contains("<blockquote>", html);
        Assert.Contains($"href=\"http://localhost/projects/{s.ProjectId}/stories/{s.Tessa}?t=5\"", html);
        var markdown = await Officer.GetAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}.md");
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(md, await markdown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Hostile_input_is_refused_with_a_reason()
    {
        var s = await world.NewProjectAsync();
        var other = await world.NewProjectAsync();
        var url = $"/api/projects/{s.ProjectId}/reports";
        async Task<string> Refused(object body)
        {
            var response = await Officer.PostAsJsonAsync(url, body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }

        Assert.Contains("minstens één thema", await Refused(new CreateReportRequest("x", [])));
        Assert.Contains("minstens één thema", await Refused(new { title = "x" }));
        Assert.Contains("niet (meer) in het codeboek", await Refused(new CreateReportRequest("x", [new ChosenTheme(Guid.NewGuid(), [])])));
        Assert.Contains("niet (meer) in het codeboek", await Refused(new CreateReportRequest("x", [new ChosenTheme(other.Money, [])])));
        Assert.Contains("maar één keer", await Refused(new CreateReportRequest("x", [new ChosenTheme(s.Money, []), new ChosenTheme(s.Money, [])])));
        Assert.Contains("geen fragment van dit thema", await Refused(new CreateReportRequest("x", [new ChosenTheme(s.Money, [other.TessaMoney])])));
        Assert.Contains("geen fragment van dit thema", await Refused(new CreateReportRequest("x", [new ChosenTheme(s.Money, [s.TessaBelonging])])));
        Assert.Contains("twee keer", await Refused(new CreateReportRequest("x", [new ChosenTheme(s.Money, [s.TessaMoney, s.TessaMoney])])));
        Assert.Contains("geen toestemming", await Refused(new CreateReportRequest("x", [new ChosenTheme(s.Money, [s.AhmedMoney])])));
        Assert.Contains("titel", await Refused(new CreateReportRequest(new string('x', 201), [new ChosenTheme(s.Money, [])])));
        Assert.Contains("hoogstens 50", await Refused(new CreateReportRequest("x", [new ChosenTheme(s.Money, [.. Enumerable.Range(0, 51).Select(_ => Guid.NewGuid())])])));

        var report = await world.CreateReportAsync(s);
        var tooLong = await Officer.PutAsJsonAsync($"{url}/{report.Summary.Id}/markdown", new UpdateMarkdownRequest(1, new string('a', ReportsService.MaxMarkdownLength + 1)));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        var missing = await Officer.PutAsJsonAsync($"{url}/{report.Summary.Id}/markdown", new { baseVersion = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Officer.GetAsync($"{url}/{Guid.NewGuid()}.docx")).StatusCode);
        // A report of one project is not reachable through another project's address.
        Assert.Equal(HttpStatusCode.NotFound, (await Officer.GetAsync($"/api/projects/{other.ProjectId}/reports/{report.Summary.Id}")).StatusCode);
    }

    [Theory]
    [InlineData("bewoner", HttpStatusCode.Forbidden)]
    [InlineData("interviewer", HttpStatusCode.Forbidden)]
    [InlineData("outsider", HttpStatusCode.Forbidden)]
    [InlineData("anonymous", HttpStatusCode.Unauthorized)]
    public async Task Only_policy_officers_and_facilitators_make_or_read_reports(string caller, HttpStatusCode expected)
    {
        var s = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(s);
        var client = world.Clients[caller];
        var url = $"/api/projects/{s.ProjectId}/reports";
        Assert.Equal(expected, (await client.GetAsync(url)).StatusCode);
        Assert.Equal(expected, (await client.GetAsync($"{url}/candidates")).StatusCode);
        Assert.Equal(expected, (await client.GetAsync($"{url}/{report.Summary.Id}.docx")).StatusCode);
        Assert.Equal(expected, (await client.PostAsJsonAsync(url, new CreateReportRequest("x", [new ChosenTheme(s.Money, [])]))).StatusCode);
        Assert.Equal(expected, (await client.PutAsJsonAsync($"{url}/{report.Summary.Id}/markdown", new UpdateMarkdownRequest(1, "# x"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await world.Clients["begeleider"].GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task An_edit_on_an_old_version_is_refused_with_409_and_the_latest_version()
    {
        var s = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(s);
        var url = $"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}/markdown";
        var first = await Officer.PutAsJsonAsync(url, new UpdateMarkdownRequest(1, report.Markdown + "\nEerste aanvulling.\n"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var saved = (await first.Content.ReadFromJsonAsync<ReportDto>(TestJson.Options))!;
        Assert.Equal(2, saved.Summary.Version);

        var late = await world.Clients["begeleider"].PutAsJsonAsync(url, new UpdateMarkdownRequest(1, "# Overschreven"));
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.Contains("\"latestVersion\":2", await late.Content.ReadAsStringAsync());
        var now = (await Officer.GetFromJsonAsync<ReportDto>($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}", TestJson.Options))!;
        Assert.Contains("Eerste aanvulling.", now.Markdown);
    }

    [Fact]
    public async Task Hostile_markdown_renders_inert()
    {
        var s = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(s);
        const string hostile = """
            # Rapport
            <script>alert('x')</script>
            [klik](javascript:alert(1)) en [ook](JaVaScRiPt:alert(2)) en <a href="javascript:alert(3)">a</a>
            <img src=x onerror="alert(4)"> ![plaatje](x" onerror="alert(5))
            <iframe src="https://example.org"></iframe>
            <div style="background:url(javascript:alert(6))" onclick="alert(7)">tekst</div>
            [data](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)
            """;
        var put = await Officer.PutAsJsonAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}/markdown", new UpdateMarkdownRequest(1, hostile));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var response = await Officer.GetAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}.html");
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
        var dom = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        Assert.Empty(dom.QuerySelectorAll("script, iframe, img, object, embed, form"));
        foreach (var element in dom.Body!.QuerySelectorAll("*"))
        {
            Assert.DoesNotContain(element.Attributes, a => a.Name.StartsWith("on", StringComparison.OrdinalIgnoreCase) || a.Name == "style");
            var href = element.GetAttribute("href") ?? "";
            Assert.False(href.Contains("javascript", StringComparison.OrdinalIgnoreCase) || href.StartsWith("data:", StringComparison.OrdinalIgnoreCase), href);
        }
        // What was typed stays readable as text.
        Assert.Contains("<script>alert('x')</script>", dom.Body.TextContent);

        // The Word export of the same text makes no link of it either, and stays valid.
        var docx = await Officer.GetByteArrayAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}.docx");
        using var word = WordprocessingDocument.Open(new MemoryStream(docx), false);
        Assert.All(word.MainDocumentPart!.HyperlinkRelationships, r => Assert.StartsWith("http", r.Uri.Scheme, StringComparison.Ordinal));
        var errors = new OpenXmlValidator().Validate(word).Select(e => $"{e.Path?.XPath}: {e.Description}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task Word_export_passes_the_validator_with_real_headings_quote_style_footnotes_and_counts_table()
    {
        var s = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(s);
        var response = await Officer.GetAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}.docx");
        Assert.Equal("application/vnd.openxmlformats-officedocument.wordprocessingml.document", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Wat-bewoners-vertelden.docx", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        using var word = WordprocessingDocument.Open(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), false);

        var errors = new OpenXmlValidator().Validate(word).Select(e => $"{e.Path?.XPath}: {e.Description}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.Equal("Wat bewoners vertelden", word.PackageProperties.Title);

        var body = word.MainDocumentPart!.Document!.Body!;
        string StyleOf(Paragraph p) => p.ParagraphProperties?.ParagraphStyleId?.Val?.Value ?? "";
        var headings = body.Elements<Paragraph>().Where(p => StyleOf(p).StartsWith("Heading", StringComparison.Ordinal)).Select(p => (StyleOf(p), p.InnerText)).ToList();
        Assert.Contains(("Heading1", "Wat bewoners vertelden"), headings);
        Assert.Contains(("Heading2", "1. Geldzorgen"), headings);
        Assert.Contains(("Heading2", "2. Erbij horen"), headings);
        var quotes = body.Elements<Paragraph>().Where(p => StyleOf(p) == "Quote").ToList();
        Assert.Equal(["Ik ben Peter en ik woon in Houten.", "Werk betekent voor mij dat ik ertoe doe.", "Bij de voedselbank leerde ik Nederlands en vond ik vrienden."],
            quotes.Select(q => q.InnerText));
        Assert.All(quotes, q => Assert.Single(q.Descendants<FootnoteReference>()));

        var notes = word.MainDocumentPart.FootnotesPart!.Footnotes!.Elements<Footnote>().Where(f => f.Id!.Value > 0).ToList();
        Assert.Equal(3, notes.Count);
        Assert.Contains($"verhaal-id {s.Tessa}, op 00:05", notes[1].InnerText);
        var table = body.Elements<Table>().First();
        Assert.Equal(3, table.Elements<TableRow>().Count());
        Assert.Equal(["1", "Geldzorgen", "2", "2", "0", "2", "2"], table.Elements<TableRow>().ElementAt(1).Elements<TableCell>().Select(c => c.InnerText));
        Assert.NotNull(word.MainDocumentPart.StyleDefinitionsPart!.Styles!.Elements<Style>().SingleOrDefault(st => st.StyleId == "Quote"));
    }

    [Fact]
    public async Task The_method_section_dates_the_analysis_from_its_first_coding_to_its_last_workshop_not_the_drafting_day()
    {
        var s = await world.NewProjectAsync();
        var first = new DateTimeOffset(2026, 9, 3, 14, 0, 0, TimeSpan.Zero);
        await world.App.WithDbAsync(async db =>
        {
            var codings = await db.Codings.Where(c => c.Theme!.ProjectId == s.ProjectId).OrderBy(c => c.Id).ToListAsync();
            for (var i = 0; i < codings.Count; i++) codings[i].CreatedAt = first.AddDays(7 * i);
            var session = await db.WorkshopSessions.SingleAsync(w => w.ProjectId == s.ProjectId);
            (session.OpenedAt, session.ClosedAt) = (new DateTimeOffset(2026, 10, 21, 19, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 10, 21, 21, 0, 0, TimeSpan.Zero));
            await db.SaveChangesAsync();
        });

        var md = (await world.CreateReportAsync(s)).Markdown;
        Assert.Contains("Geanalyseerd door 1 bewoner en 2 professionals tussen 3 september 2026 en 21 oktober 2026.", md);
        Assert.Contains($"Opgesteld op {world.App.Time.GetUtcNow().UtcDateTime.ToString("d MMMM yyyy", System.Globalization.CultureInfo.GetCultureInfo("nl-NL"))}.", md);
    }

    [Fact]
    public async Task The_report_draws_its_charts_in_html_with_the_numbers_in_a_table_and_the_codebook_colours()
    {
        var s = await world.NewProjectAsync();
        await world.App.WithDbAsync(async db =>
        {
            (await db.Themes.FindAsync(s.Money))!.Colour = "#A61B1B";
            await db.SaveChangesAsync();
        });
        var report = await world.CreateReportAsync(s);
        // Stories per theme by who gave it: money by two professionals (Tessa, Ahmed); belonging by residents in Tessa's and Noor's, a professional in Tessa's.
        Assert.Contains("Grafiek: Verhalen per thema, naar wie het thema gaf\n\n| Thema | Bewoners | Professionals |\n|---|---:|---:|\n| Geldzorgen | 0 | 2 |\n| Erbij horen | 2 | 1 |", report.Markdown);
        Assert.Contains("Grafiek: Stemmen per thema in de werksessies\n\n| Thema | Stemmen |\n|---|---:|\n| Geldzorgen | 2 |\n| Erbij horen | 1 |", report.Markdown);
        Assert.DoesNotContain("Aandeel van de gecodeerde verhalen", report.Markdown); // no evaluation round yet

        var html = await Officer.GetStringAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}.html");
        var document = new HtmlParser().ParseDocument(html);
        var figures = document.QuerySelectorAll("figure.report-chart");
        Assert.Equal(2, figures.Length);
        var svg = figures[0].QuerySelector("svg")!;
        Assert.Equal("img", svg.GetAttribute("role"));
        Assert.Equal("Verhalen per thema, naar wie het thema gaf", svg.QuerySelector("title")!.TextContent);
        // Bars in the codebook colour, the second series patterned for black-and-white print, each bar labelled.
        Assert.Contains(svg.QuerySelectorAll("rect"), r => r.GetAttribute("fill") == "#A61B1B");
        Assert.Contains(svg.QuerySelectorAll("rect"), r => r.GetAttribute("fill")?.StartsWith("url(#", StringComparison.Ordinal) == true);
        Assert.Equal(["Bewoners", "Professionals", "Geldzorgen", "0", "2", "Erbij horen", "2", "1"], svg.QuerySelectorAll("text").Select(t => t.TextContent));
        // The numbers stay in a table right after the chart, for screen readers.
        var region = figures[0].NextElementSibling!;
        Assert.Equal(("table-scroll", "0"), (region.ClassName, region.GetAttribute("tabindex")));
        var table = region.QuerySelector("table")!;
        Assert.Equal(["Geldzorgen", "0", "2"], table.QuerySelectorAll("tbody tr")[0].QuerySelectorAll("td").Select(c => c.TextContent));
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);

        var page = await Officer.GetStringAsync($"/projects/{s.ProjectId}/reports/{report.Summary.Id}");
        Assert.Equal(2, new HtmlParser().ParseDocument(page).QuerySelectorAll(".report-body figure.report-chart svg").Length);
    }

    [Fact]
    public async Task The_Word_export_carries_each_chart_as_a_Word_chart_above_the_table_of_its_numbers()
    {
        var s = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(s);
        var bytes = await Officer.GetByteArrayAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}.docx");

        using (var zip = new System.IO.Compression.ZipArchive(new MemoryStream(bytes)))
        {
            var charts = zip.Entries.Where(e => e.FullName.StartsWith("word/charts/", StringComparison.Ordinal) && e.FullName.EndsWith(".xml", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, charts.Count);
            var xml = System.Xml.Linq.XDocument.Load(charts.OrderBy(e => e.FullName).First().Open());
            System.Xml.Linq.XNamespace c = "http://schemas.openxmlformats.org/drawingml/2006/chart";
            var series = xml.Descendants(c + "ser").ToList();
            Assert.Equal(["Bewoners", "Professionals"], series.Select(x => x.Element(c + "tx")!.Descendants(c + "v").Single().Value));
            Assert.Equal(["Geldzorgen", "Erbij horen"], series[0].Element(c + "cat")!.Descendants(c + "v").Select(v => v.Value));
            Assert.Equal(["0", "2"], series[0].Element(c + "val")!.Descendants(c + "v").Select(v => v.Value));
            Assert.Equal(["2", "1"], series[1].Element(c + "val")!.Descendants(c + "v").Select(v => v.Value));
            // Black-and-white: the second series is a pattern fill, not a colour alone.
            Assert.NotEmpty(series[1].Descendants(System.Xml.Linq.XName.Get("pattFill", "http://schemas.openxmlformats.org/drawingml/2006/main")));
        }

        using var word = WordprocessingDocument.Open(new MemoryStream(bytes), false);
        var errors = new OpenXmlValidator().Validate(word).Select(e => $"{e.Path?.XPath}: {e.Description}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        var body = word.MainDocumentPart!.Document!.Body!;
        var blocks = body.ChildElements.ToList();
        var drawing = blocks.FindIndex(e => e.Descendants<Drawing>().Any());
        Assert.True(drawing > 0);
        Assert.Contains("Verhalen per thema", blocks[drawing].Descendants<DocumentFormat.OpenXml.Drawing.Wordprocessing.DocProperties>().Single().Description!.Value);
        Assert.Equal("Grafiek: Verhalen per thema, naar wie het thema gaf", blocks[drawing + 1].InnerText);
        var table = Assert.IsType<Table>(blocks[drawing + 2]);
        Assert.Equal(["Geldzorgen", "0", "2"], table.Elements<TableRow>().ElementAt(1).Elements<TableCell>().Select(x => x.InnerText));
        Assert.Equal(2, word.MainDocumentPart.ChartParts.Count());
    }

    [Fact]
    public async Task LibreOffice_turns_the_Word_export_into_a_PDF_with_every_chosen_quote_and_theme()
    {
        var s = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(s);
        var folder = Repo.NewTempFolder("report-pdf");
        try
        {
            var docx = Path.Combine(folder, "rapport.docx");
            await File.WriteAllBytesAsync(docx, await Officer.GetByteArrayAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}.docx"));
            var pdf = await OfficeConversion.ToPdfAsync(docx, folder);
            var text = await OfficeConversion.PdfTextAsync(pdf);

            foreach (var expected in new[] { "Geldzorgen", "Erbij horen", "Ik ben Peter en ik woon in Houten.", "Werk betekent voor mij dat ik ertoe doe.",
                         "Bij de voedselbank leerde ik Nederlands en vond ik vrienden.", $"verhaal-id {s.Tessa}" })
                Assert.Contains(expected, text);
            Assert.DoesNotContain("Jan de Vries", text);
            Assert.DoesNotContain(ReportWorld.AhmedText, text);
            var keep = Environment.GetEnvironmentVariable("STORYTELLING_KEEP_REPORT_PDF");
            if (!string.IsNullOrEmpty(keep)) File.Copy(pdf, keep, overwrite: true);
        }
        finally { Repo.DeleteFolder(folder); }
    }

    [Fact]
    public async Task A_withdrawn_story_leaves_the_report_marked_stale_and_the_regenerated_report_without_its_quote()
    {
        var s = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(s);
        var unrelated = await world.CreateReportAsync(s with { TessaMoney = s.TessaMoney }, "begeleider");
        var onlyNoor = await Officer.PostAsJsonAsync($"/api/projects/{s.ProjectId}/reports",
            new CreateReportRequest("Alleen Noor", [new ChosenTheme(s.Belonging, [s.NoorBelonging])]));
        var noorReport = (await onlyNoor.Content.ReadFromJsonAsync<ReportDto>(TestJson.Options))!;

        await world.WithdrawAsync(s.ProjectId, s.Tessa);

        var old = (await Officer.GetFromJsonAsync<ReportDto>($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}", TestJson.Options))!;
        Assert.True(old.Summary.Stale);
        Assert.Equal("Een verhaal dat in dit rapport stond is door de verteller ingetrokken op 22 november 2026.", old.Summary.StaleReason);
        Assert.Contains("> " + ReportDrafting.Marker, old.Markdown);
        // The quote's footnote goes whole: no reference left behind the marker, no empty "[^q1]:" line.
        Assert.DoesNotContain(ReportDrafting.Marker + "[^", old.Markdown);
        Assert.DoesNotMatch(@"(?m)^\[\^q\d+\]:\s*$", old.Markdown);
        foreach (var gone in ReportWorld.TessaSegments.Append("Ik ben Peter").Append(s.Tessa.ToString()).Append("Tessa"))
            Assert.DoesNotContain(gone, old.Markdown);
        Assert.Contains(ReportWorld.NoorText, old.Markdown);
        Assert.True((await Officer.GetFromJsonAsync<ReportDto>($"/api/projects/{s.ProjectId}/reports/{unrelated.Summary.Id}", TestJson.Options))!.Summary.Stale);
        Assert.False((await Officer.GetFromJsonAsync<ReportDto>($"/api/projects/{s.ProjectId}/reports/{noorReport.Summary.Id}", TestJson.Options))!.Summary.Stale);
        await world.App.WithDbAsync(async db =>
        {
            Assert.False(await db.ReportQuotes.AnyAsync(q => q.StoryId == s.Tessa));
            Assert.False(await db.Reports.AnyAsync(r => r.ProjectId == s.ProjectId && (r.Markdown.Contains("ertoe doe") || r.Markdown.Contains("Houten"))));
        });

        var regenerated = await Officer.PostAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}/regenerate", null);
        Assert.Equal(HttpStatusCode.Created, regenerated.StatusCode);
        var fresh = (await regenerated.Content.ReadFromJsonAsync<ReportDto>(TestJson.Options))!;
        Assert.False(fresh.Summary.Stale);
        Assert.Equal(report.Summary.Id, fresh.Summary.RegeneratedFromId);
        Assert.Contains("Voor dit thema zijn geen citaten gekozen.", fresh.Markdown);
        Assert.Contains(ReportWorld.NoorText, fresh.Markdown);
        Assert.DoesNotContain("Tessa", fresh.Markdown);
        Assert.Contains("Dit rapport steunt op 2 verhalen", fresh.Markdown);
        var list = (await Officer.GetFromJsonAsync<List<ReportSummaryDto>>($"/api/projects/{s.ProjectId}/reports", TestJson.Options))!;
        Assert.True(list.Single(r => r.Id == report.Summary.Id).Stale);
        Assert.Equal([fresh.Summary.Id], (await Officer.GetFromJsonAsync<ReportDto>($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}", TestJson.Options))!.NewerReportIds);
    }

    [Fact]
    public async Task A_teller_who_no_longer_allows_quotes_keeps_the_story_but_its_quotes_leave_every_report()
    {
        var s = await world.NewProjectAsync();
        var report = await world.CreateReportAsync(s);

        await world.ChangeConsentAsync(s.Tessa, Storytelling.Core.Stories.ConsentScopes.AudioInWorkshops);

        var old = (await Officer.GetFromJsonAsync<ReportDto>($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}", TestJson.Options))!;
        Assert.True(old.Summary.Stale);
        Assert.Equal("Een verteller wil niet meer geciteerd worden (sinds 22 november 2026); de citaten uit dat verhaal zijn uit dit rapport gehaald.", old.Summary.StaleReason);
        foreach (var gone in ReportWorld.TessaSegments) Assert.DoesNotContain(gone, old.Markdown);
        Assert.Contains(ReportWorld.NoorText, old.Markdown);
        // The stored reason is Dutch (the report is a Dutch document); an English reader gets it in English.
        var english = await Officer.GetStringAsync($"/projects/{s.ProjectId}/reports/{report.Summary.Id}?lang=en");
        Assert.Contains("A teller no longer wants to be quoted (since 22 November 2026).", english);
        Assert.Contains("Een verteller wil niet meer geciteerd worden", await Officer.GetStringAsync($"/projects/{s.ProjectId}/reports?lang=nl"));
        await world.App.WithDbAsync(async db =>
        {
            Assert.False(await db.ReportQuotes.AnyAsync(q => q.StoryId == s.Tessa));
            // The story stays for the analysis, with its codings; only quoting ends (analysis consent cannot be dropped here).
            var story = await db.Stories.SingleAsync(x => x.Id == s.Tessa);
            Assert.Equal(Storytelling.Core.Stories.ConsentScopes.Analysis | Storytelling.Core.Stories.ConsentScopes.AudioInWorkshops, story.Consent.Scopes);
            Assert.True(await db.Codings.AnyAsync(c => c.Transcript!.StoryId == s.Tessa));
            Assert.True(await db.AuditLog.AnyAsync(a => a.Action == "story.consent.changed" && a.SubjectId == s.Tessa));
        });

        var regenerated = await Officer.PostAsync($"/api/projects/{s.ProjectId}/reports/{report.Summary.Id}/regenerate", null);
        var fresh = (await regenerated.Content.ReadFromJsonAsync<ReportDto>(TestJson.Options))!;
        foreach (var gone in ReportWorld.TessaSegments) Assert.DoesNotContain(gone, fresh.Markdown);
        Assert.Contains(ReportWorld.NoorText, fresh.Markdown);

        // Allowing quotes again lets the next report quote the story; nothing is marked stale for that.
        await world.ChangeConsentAsync(s.Tessa, Storytelling.Core.Stories.ConsentScopes.QuotesInReports);
        Assert.False((await Officer.GetFromJsonAsync<ReportDto>($"/api/projects/{s.ProjectId}/reports/{fresh.Summary.Id}", TestJson.Options))!.Summary.Stale);
        await world.App.WithDbAsync(async db => Assert.Equal(
            Storytelling.Core.Stories.ConsentScopes.Analysis | Storytelling.Core.Stories.ConsentScopes.QuotesInReports,
            (await db.Stories.SingleAsync(x => x.Id == s.Tessa)).Consent.Scopes));
    }
}

/// <summary>LibreOffice and poppler as the tests use them: a private profile, a time limit, and a clear failure when missing.</summary>
internal static class OfficeConversion
{
    public static async Task<string> ToPdfAsync(string docx, string outDir)
    {
        var profile = Path.Combine(outDir, "lo-profile");
        var (code, output) = await RunAsync("soffice", ["-env:UserInstallation=file://" + profile, "--headless", "--norestore", "--convert-to", "pdf", "--outdir", outDir, docx],
            TimeSpan.FromSeconds(120));
        var pdf = Path.ChangeExtension(Path.Combine(outDir, Path.GetFileName(docx)), ".pdf");
        Assert.True(code == 0 && File.Exists(pdf), $"LibreOffice did not convert the report (exit {code}): {output}");
        return pdf;
    }

    public static async Task<string> PdfTextAsync(string pdf)
    {
        var (code, output) = await RunAsync("pdftotext", ["-layout", "-enc", "UTF-8", pdf, "-"], TimeSpan.FromSeconds(30));
        Assert.True(code == 0, $"pdftotext failed (exit {code}): {output}");
        // Layout mode may break a long line; joining white space lets a quote be found whole.
        return string.Join(' ', output.Split((char[])[' ', '\n', '\r', '\t', '\f'], StringSplitOptions.RemoveEmptyEntries));
    }

    private static async Task<(int Code, string Output)> RunAsync(string tool, string[] args, TimeSpan limit)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{tool}' is not installed ({e.Message}). infra/test.sh installs libreoffice-writer-nogui and poppler-utils; run it or install them with apt.", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(limit);
            try { await process.WaitForExitAsync(timeout.Token); }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"'{tool}' took longer than {limit.TotalSeconds} s.");
            }
            return (process.ExitCode, await stdout + await stderr);
        }
    }
}
