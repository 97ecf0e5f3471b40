namespace Storytelling.Benchmarks;

/// <summary>
/// The references: plain Kestrel that reads each request body and throws it away (/discard), or writes it at its
/// offset into a file per upload (/store/{name}: open, positional write, close — the least a server that keeps the
/// bytes must do). Started as its own process, like the real server, so both pay the same loopback and process costs.
/// </summary>
internal static class BareServer
{
    /// <param name="folder">Where /store writes; the harness that started this process removes it.</param>
    public static async Task<int> RunAsync(int port, string folder)
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
        app.MapPut("/store/{name}", async (string name, long offset, HttpContext http) =>
        {
            var buffer = new byte[81920];
            var position = offset;
            using (var file = new FileStream(Path.Combine(folder, Path.GetFileName(name)), FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 0))
            {
                int n;
                while ((n = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
                {
                    RandomAccess.Write(file.SafeFileHandle, buffer.AsSpan(0, n), position);
                    position += n;
                }
            }
            return Results.Json(new { receivedBytes = position });
        });
        // Stops by itself if the harness dies without stopping it.
        _ = Task.Delay(TimeSpan.FromMinutes(30)).ContinueWith(_ => app.StopAsync(), TaskScheduler.Default);
        await app.RunAsync();
        return 0;
    }
}
