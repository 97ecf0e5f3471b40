using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Storytelling.Benchmarks;

/// <summary>The real web app as its own process on 127.0.0.1, with a fresh SQLite database and media folder.</summary>
internal sealed class RealServer : IAsyncDisposable
{
    private const string AdminPassword = "benchmark admin password";
    public const string AdminPasswordForBenchmarks = AdminPassword;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "storytelling-bench-" + Guid.NewGuid().ToString("N"));
    private Process? _process;

    public int Port { get; } = Harness.FreePort();
    public string BaseUrl => $"http://127.0.0.1:{Port}";
    public int ProcessId => _process!.Id;
    public string DatabasePath => Path.Combine(_folder, "st.db");
    public string CaptureToken { get; private set; } = "";

    private readonly Dictionary<string, string> _extra = [];

    private Dictionary<string, string> Env() => new(_extra)
    {
        ["Storytelling__Database__ConnectionString"] = $"Data Source={DatabasePath}",
        ["Storytelling__Storage__DiskStore__RootPath"] = Path.Combine(_folder, "media"),
        ["Storytelling__Capture__UploadsPerMinutePerAddress"] = "100000",
        ["Storytelling__Capture__UploadsPerMinutePerLink"] = "100000",
        ["Storytelling__Workshops__JoinsPerMinutePerAddress"] = "1000000",
        ["Logging__LogLevel__Default"] = "Warning",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["STORYTELLING_ADMIN_PASSWORD"] = AdminPassword,
        ["Urls"] = BaseUrl,
        // Run from the build output (not published), so the pages' scripts and styles come from the project folder.
        ["ASPNETCORE_WEBROOT"] = Path.Combine(Harness.Root, "src", "Storytelling.Web", "wwwroot"),
    };

    /// <param name="settings">More environment for the server (e.g. telemetry settings).</param>
    public static async Task<RealServer> StartAsync(IDictionary<string, string>? settings = null)
    {
        var server = new RealServer();
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) server._extra[k] = v;
        Directory.CreateDirectory(server._folder);
        var dll = Harness.WebDll();
        var dir = Path.GetDirectoryName(dll)!;
        if (await Harness.RunToEndAsync("dotnet", [dll, "migrate"], server.Env(), dir) != 0) throw new InvalidOperationException("migrate failed");
        if (await Harness.RunToEndAsync("dotnet", [dll, "create-admin", "--email", "bench@example.org"], server.Env(), dir) != 0) throw new InvalidOperationException("create-admin failed");
        server._process = Harness.Start("dotnet", [dll], server.Env(), dir);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        await Harness.WaitForAsync(http, "/health/ready", TimeSpan.FromSeconds(60));
        await server.PrepareProjectAsync();
        return server;
    }

    private async Task PrepareProjectAsync()
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = true }) { BaseAddress = new Uri(BaseUrl) };
        (await http.PostAsJsonAsync("/api/account/login", new { email = "bench@example.org", password = AdminPassword })).EnsureSuccessStatusCode();
        var project = await http.PostAsJsonAsync("/api/projects", new
        {
            name = "Benchmark", guidingQuestion = "Wat betekent werk voor jou?",
            maxRecordingBytes = 2L * 1024 * 1024 * 1024, maxRecordingSeconds = 6 * 3600,
        });
        project.EnsureSuccessStatusCode();
        var projectId = (await project.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var link = await http.PostAsJsonAsync($"/api/projects/{projectId}/invitations", new { kind = "Capture", role = "Bewoner" });
        link.EnsureSuccessStatusCode();
        var url = (await link.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        CaptureToken = url[(url.LastIndexOf('/') + 1)..];
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null) Harness.Stop(_process);
        await Task.Delay(200);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
