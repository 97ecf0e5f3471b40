using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Razor.Hosting;
using Storytelling.Tests.Infrastructure;
using Storytelling.Tests.Workspace;

namespace Storytelling.Tests.Security;

/// <summary>A POST to a page that has no handler for it is 405, never a page rendered from a model that was not loaded.</summary>
public sealed partial class PageMethodTests(TranscriptWorld world) : IClassFixture<TranscriptWorld>
{
    /// <summary>Every compiled page: its address template and whether its model has a POST handler.</summary>
    private static List<(string Template, bool HasPost)> Pages() =>
        typeof(Storytelling.Web.Security.ProjectPageModel).Assembly.GetTypes()
            .Where(t => typeof(Page).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => (Template: t.GetCustomAttributes<RazorCompiledItemMetadataAttribute>().FirstOrDefault(a => a.Key == "RouteTemplate")?.Value,
                Model: t.GetProperty("Model")?.PropertyType))
            .Where(p => p.Template is not null)
            .Select(p => (p.Template!, p.Model?.GetMethods().Any(m => m.Name.StartsWith("OnPost", StringComparison.Ordinal)) ?? false))
            .OrderBy(p => p.Item1, StringComparer.Ordinal).ToList();

    private string Address(string template) => RouteValue().Replace(template, m => m.Groups[1].Value switch
    {
        "projectId" => world.ProjectId.ToString(),
        _ when m.Value.Contains(":guid", StringComparison.Ordinal) => Guid.NewGuid().ToString(),
        _ => "onbekend",
    });

    [Fact]
    public async Task A_post_to_tussenruimte_is_405_not_500()
    {
        var client = world.Clients["begeleider"];
        var path = $"/projects/{world.ProjectId}/tussenruimte";
        var html = await client.GetStringAsync(path);

        var response = await Forms.PostAsync(client, path, html, null, []);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task No_page_answers_a_post_with_a_server_error_and_pages_without_a_post_handler_answer_405()
    {
        var pages = Pages();
        Assert.Contains(pages, p => p.Template.EndsWith("tussenruimte", StringComparison.Ordinal) && !p.HasPost);
        var client = world.Clients["begeleider"];
        var html = await client.GetStringAsync($"/projects/{world.ProjectId}");
        var failures = new List<string>();
        var answered405 = 0;
        // Logging out would end the session the other posts need.
        foreach (var (template, hasPost) in pages.Where(p => p.Template != "/account/logout"))
        {
            var path = "/" + Address(template).TrimStart('/');
            var response = await Forms.PostAsync(client, path, html, null, []);
            if (response.StatusCode == HttpStatusCode.InternalServerError) failures.Add($"{path}: 500");
            if (!hasPost && response.StatusCode == HttpStatusCode.MethodNotAllowed) answered405++;
            // A page without POST handler: 405 where the caller may use it; 401/403/404 and the login redirect come before.
            if (!hasPost && response.StatusCode is not (HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotFound
                    or HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized or HttpStatusCode.Redirect))
                failures.Add($"{path}: {(int)response.StatusCode} for a page without a POST handler ");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(answered405 >= 5, $"only {answered405} pages answered 405");
    }

    [GeneratedRegex(@"\{([A-Za-z]+)(:[^}]*)?\??\}")]
    private static partial Regex RouteValue();
}
