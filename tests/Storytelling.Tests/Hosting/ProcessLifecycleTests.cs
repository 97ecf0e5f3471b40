using System.Net;
using System.Net.Http.Json;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Hosting;

/// <summary>The executables as infra/run.sh uses them: migrate, create the first administrator, serve; and the worker.</summary>
public sealed class ProcessLifecycleTests : IDisposable
{
    private readonly string _folder = Repo.NewTempFolder("lifecycle");

    private Dictionary<string, string> Settings(int port = 0) => new()
    {
        ["Storytelling__Database__ConnectionString"] = $"Data Source={Path.Combine(_folder, "st.db")}",
        ["Storytelling__Storage__DiskStore__RootPath"] = Path.Combine(_folder, "media"),
        ["Urls"] = $"http://127.0.0.1:{(port == 0 ? Repo.FreeLoopbackPort() : port)}",
        ["STORYTELLING_ADMIN_PASSWORD"] = "first admin password",
    };

    [Fact]
    public async Task Migrate_then_create_admin_then_serve_gives_a_login_page_a_healthy_ready_probe_and_a_working_admin()
    {
        await using (var migrate = AppProcess.Start("Storytelling.Web", Settings(), "migrate"))
        {
            Assert.Equal(0, await migrate.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            Assert.Contains("Database is up to date.", migrate.Stdout);
        }
        await using (var admin = AppProcess.Start("Storytelling.Web", Settings(), "create-admin", "--email", "beheer@example.org", "--name", "Beheer"))
        {
            Assert.Equal(0, await admin.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            Assert.Contains("Administrator beheer@example.org is ready", admin.Stdout);
        }

        var port = Repo.FreeLoopbackPort();
        await using var web = AppProcess.Start("Storytelling.Web", Settings(port));
        await web.WaitForOutputAsync("Application started", TimeSpan.FromSeconds(90));
        using var http = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        var login = await http.GetAsync("/account/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("Inloggen", await login.Content.ReadAsStringAsync());
        var ready = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        var signIn = await http.PostAsJsonAsync("/api/account/login", new { email = "beheer@example.org", password = "first admin password" });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var created = await http.PostAsJsonAsync("/api/projects", new { name = "Houten", guidingQuestion = "Wat betekent werk voor jou?" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        // Nothing a person typed reaches the log: not the e-mail address, not the project name.
        Assert.DoesNotContain("beheer@example.org", web.Stdout + web.Stderr);
        Assert.DoesNotContain("Houten", web.Stdout + web.Stderr);
    }

    [Fact]
    public async Task Create_admin_refuses_a_short_password_and_a_missing_email()
    {
        await using (var migrate = AppProcess.Start("Storytelling.Web", Settings(), "migrate"))
            Assert.Equal(0, await migrate.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        var weak = Settings();
        weak["STORYTELLING_ADMIN_PASSWORD"] = "kort";
        await using (var admin = AppProcess.Start("Storytelling.Web", weak, "create-admin", "--email", "a@example.org"))
        {
            Assert.Equal(64, await admin.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            Assert.Contains("Could not create the administrator", admin.Stderr);
        }
        await using (var admin = AppProcess.Start("Storytelling.Web", Settings(), "create-admin"))
        {
            Assert.Equal(64, await admin.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            Assert.Contains("--email", admin.Stderr);
        }
    }

    [Fact]
    public async Task The_worker_waits_for_migrations_then_connects_idles_and_stops_cleanly_on_SIGTERM()
    {
        await using var worker = AppProcess.Start("Storytelling.Worker", Settings());
        await worker.WaitForOutputAsync("waiting for database migrations", TimeSpan.FromSeconds(60));
        await using (var migrate = AppProcess.Start("Storytelling.Web", Settings(), "migrate"))
            Assert.Equal(0, await migrate.WaitForExitAsync(TimeSpan.FromSeconds(90)));

        // A second worker started after the migration connects straight away; it has no model in this folder, and says so.
        await using var second = AppProcess.Start("Storytelling.Worker", Settings());
        await second.WaitForOutputAsync("Worker state: waiting for model: Transcription is waiting for a model", TimeSpan.FromSeconds(60));
        Assert.Contains("models download base", second.Stdout);
        second.Terminate();
        Assert.Equal(0, await second.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("Worker stopped", second.Stdout);
    }

    public void Dispose() => Repo.DeleteFolder(_folder);
}
