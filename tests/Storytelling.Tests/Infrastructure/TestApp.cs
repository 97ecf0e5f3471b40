using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Storytelling.Core.People;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;

namespace Storytelling.Tests.Infrastructure;

/// <summary>
/// The real web app on the in-memory test server, with its own SQLite file and media folder (or whatever
/// settings a test passes), migrated before use. Users are created through Identity and sign in through the
/// real login endpoint, so tests carry real cookies.
/// </summary>
public sealed class TestApp : WebApplicationFactory<Program>
{
    private readonly string _folder = Repo.NewTempFolder("storytelling-app");
    private readonly Dictionary<string, string?> _settings;

    /// <summary>Holds the SQLite file and media folder, for real worker processes that share them.</summary>
    public string Folder => _folder;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero));

    public TestApp(IDictionary<string, string?>? settings = null)
    {
        _settings = new Dictionary<string, string?>
        {
            ["Storytelling:Database:Provider"] = "Sqlite",
            ["Storytelling:Database:ConnectionString"] = $"Data Source={Path.Combine(_folder, "storytelling.db")}",
            ["Storytelling:Storage:Provider"] = "Disk",
            ["Storytelling:Storage:DiskStore:RootPath"] = Path.Combine(_folder, "media"),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) _settings[key] = value;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        builder.UseEnvironment("Testing");
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
        });
    }

    public async Task<TestApp> MigrateAsync()
    {
        await Services.MigrateDatabaseAsync(CancellationToken.None);
        return this;
    }

    public async Task<Person> CreatePersonAsync(string email, bool administrator = false, string? name = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<Person>>();
        var person = new Person
        {
            UserName = email, Email = email, EmailConfirmed = true,
            DisplayName = name ?? email.Split('@')[0], IsAdministrator = administrator, CreatedAt = Time.GetUtcNow(),
        };
        var result = await users.CreateAsync(person, Password);
        if (!result.Succeeded) throw new InvalidOperationException(string.Join(" ", result.Errors.Select(e => e.Description)));
        return person;
    }

    public async Task<Project> CreateProjectAsync(string name, params (Guid PersonId, ProjectRole Role)[] members)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<StorytellingDbContext>();
        var project = new Project { Name = name, GuidingQuestion = "Wat betekent werk voor jou?", CreatedAt = Time.GetUtcNow() };
        db.Projects.Add(project);
        foreach (var (personId, role) in members)
        {
            db.Memberships.Add(new ProjectMembership { ProjectId = project.Id, PersonId = personId, Role = role, GrantedAt = Time.GetUtcNow() });
        }
        await db.SaveChangesAsync();
        return project;
    }

    public const string Password = "correct horse battery";

    /// <summary>A client whose cookie comes from the real login endpoint.</summary>
    public async Task<HttpClient> SignedInClientAsync(string email)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });
        var response = await client.PostAsJsonAsync("/api/account/login", new { email, password = Password });
        response.EnsureSuccessStatusCode();
        // Like a script that posts multipart (story import): the antiforgery token rides in a header on every request.
        var antiforgery = await client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/account/antiforgery");
        client.DefaultRequestHeaders.Add(antiforgery.GetProperty("headerName").GetString()!, antiforgery.GetProperty("token").GetString());
        return client;
    }

    public HttpClient AnonymousClient() =>
        CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = true, AllowAutoRedirect = false });

    public async Task WithDbAsync(Func<StorytellingDbContext, Task> action)
    {
        await using var scope = Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<StorytellingDbContext>());
    }

    public async Task<T> WithDbAsync<T>(Func<StorytellingDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<StorytellingDbContext>());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Repo.DeleteFolder(_folder);
        }
    }
}
