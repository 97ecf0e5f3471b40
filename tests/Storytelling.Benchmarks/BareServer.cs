namespace Storytelling.Benchmarks;

/// <summary>
/// The reference: plain Kestrel that reads each request body and throws it away. Started as its own process,
/// like the real server, so both pay the same loopback and process costs.
/// </summary>
internal static class BareServer
{
    public static async Task<int> RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/ready", () => "ok");
        app.MapPut("/discard", async (HttpContext http) =>
        {
            var buffer = new byte[81920];
            long total = 0;
            int n;
            while ((n = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0) total += n;
            return Results.Json(new { receivedBytes = total });
        });
        // Stops by itself if the harness dies without stopping it.
        _ = Task.Delay(TimeSpan.FromMinutes(30)).ContinueWith(_ => app.StopAsync(), TaskScheduler.Default);
        await app.RunAsync();
        return 0;
    }
}
