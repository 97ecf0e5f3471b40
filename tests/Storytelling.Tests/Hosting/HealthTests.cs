using System.Net;
using System.Text.Json;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Hosting;

[Collection(AzuriteCollection.Name)]
public sealed class HealthTests(AzuriteFixture azurite)
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync(TestApp app)
    {
        var response = await app.AnonymousClient().GetAsync("/health/ready");
        return (response.StatusCode, await response.Content.ReadFromJsonAsync());
    }

    [Fact]
    public async Task Live_answers_at_once_and_ready_is_healthy_with_a_migrated_database_and_local_disk()
    {
        using var app = await new TestApp().MigrateAsync();
        Assert.Equal(HttpStatusCode.OK, (await app.AnonymousClient().GetAsync("/health/live")).StatusCode);
        var (status, body) = await ReadyAsync(app);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal(["database", "storage", "transcription"], body.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("name").GetString()).Order());
    }

    [Fact]
    public async Task Ready_says_in_one_sentence_that_the_database_needs_migrating()
    {
        using var app = new TestApp();
        var (status, body) = await ReadyAsync(app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var database = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "database");
        Assert.Contains("migrate", database.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Ready_is_healthy_with_Azure_blob_storage_and_unhealthy_when_the_account_is_unreachable()
    {
        using (var app = await new TestApp(new Dictionary<string, string?>
        {
            ["Storytelling:Storage:Provider"] = "AzureBlob",
            ["Storytelling:Storage:AzureBlobStore:ConnectionString"] = azurite.ConnectionString,
            ["Storytelling:Storage:AzureBlobStore:ContainerName"] = "health-test",
        }).MigrateAsync())
        {
            var (status, _) = await ReadyAsync(app);
            Assert.Equal(HttpStatusCode.OK, status);
        }
        using (var app = await new TestApp(new Dictionary<string, string?>
        {
            ["Storytelling:Storage:Provider"] = "AzureBlob",
            ["Storytelling:Storage:AzureBlobStore:ConnectionString"] = azurite.ConnectionString.Replace($":{azurite.Port}/", $":{Repo.FreeLoopbackPort()}/"),
        }).MigrateAsync())
        {
            var (status, body) = await ReadyAsync(app);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            var storage = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "storage");
            Assert.Equal("Unhealthy", storage.GetProperty("status").GetString());
            Assert.Contains("Storytelling:Storage", storage.GetProperty("description").GetString());
        }
    }
}

internal static class JsonContentExtensions
{
    public static async Task<JsonElement> ReadFromJsonAsync(this HttpContent content) =>
        JsonDocument.Parse(await content.ReadAsStringAsync()).RootElement.Clone();
}
