extern alias worker;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Storytelling.Core.Media;
using Storytelling.Core.Persistence;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Storage;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;
using worker::Storytelling.Worker.Transcription;

namespace Storytelling.Tests.Worker;

/// <summary>
/// The worker's own service registrations over a throw-away database (SQLite file or a PostgreSQL database) and
/// media folder, so queue tests run the real queries, and end-to-end tests hand the same settings to real worker
/// processes. Recordings are seeded the way the capture endpoint leaves them: a stored blob, a story, a queued job.
/// </summary>
internal sealed class WorkerHarness : IAsyncDisposable
{
    private readonly string _folder = Repo.NewTempFolder("storytelling-worker");
    private readonly ServiceProvider _services;

    // Starts in the past: real worker processes (real clock) must see the seeded jobs as due.
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow.AddHours(-1));
    public Dictionary<string, string> Settings { get; }
    public string Folder => _folder;
    public string MediaRoot => Path.Combine(_folder, "media");
    public string ModelsDirectory => Path.Combine(_folder, "models");
    public Guid ProjectId { get; private set; }

    private WorkerHarness(string? postgresConnectionString, IDictionary<string, string>? extra)
    {
        Directory.CreateDirectory(ModelsDirectory);
        Settings = new Dictionary<string, string>
        {
            ["Storytelling__Database__Provider"] = postgresConnectionString is null ? "Sqlite" : "Postgres",
            ["Storytelling__Database__ConnectionString"] = postgresConnectionString ?? $"Data Source={Path.Combine(_folder, "storytelling.db")}",
            ["Storytelling__Storage__Provider"] = "Disk",
            ["Storytelling__Storage__DiskStore__RootPath"] = MediaRoot,
            ["Storytelling__Transcription__ModelsDirectory"] = ModelsDirectory,
            ["Storytelling__Transcription__PollInterval"] = "00:00:00.2",
            ["Storytelling__Transcription__RetryBaseDelay"] = "00:00:00",
        };
        foreach (var (k, v) in extra ?? new Dictionary<string, string>()) Settings[k] = v;

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(Settings.ToDictionary(kv => kv.Key.Replace("__", ":", StringComparison.Ordinal), kv => (string?)kv.Value))
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddStorytellingCore();
        services.AddOptions<MediaOptions>().BindConfiguration(MediaOptions.Section);
        services.AddTranscriptionWorker();
        services.RemoveAll<TimeProvider>();
        services.AddSingleton<TimeProvider>(Time);
        _services = services.BuildServiceProvider();
    }

    public static async Task<WorkerHarness> StartAsync(string? postgresConnectionString = null, IDictionary<string, string>? settings = null)
    {
        var harness = new WorkerHarness(postgresConnectionString, settings);
        await harness._services.MigrateDatabaseAsync(CancellationToken.None);
        await harness.WithDbAsync(async db =>
        {
            var project = new Project { Name = "Houten", GuidingQuestion = "Wat betekent werk voor jou?", CreatedAt = harness.Time.GetUtcNow() };
            db.Projects.Add(project);
            await db.SaveChangesAsync();
            harness.ProjectId = project.Id;
        });
        return harness;
    }

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public async Task WithDbAsync(Func<StorytellingDbContext, Task> action)
    {
        await using var scope = _services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<StorytellingDbContext>());
    }

    public async Task<T> WithDbAsync<T>(Func<StorytellingDbContext, Task<T>> action)
    {
        await using var scope = _services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<StorytellingDbContext>());
    }

    /// <summary>A fresh queue over its own context, like one worker's scope.</summary>
    public async Task<T> WithQueueAsync<T>(Func<JobQueue, Task<T>> action)
    {
        await using var scope = _services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<JobQueue>());
    }

    /// <summary>Stores a file as a recording with a story and a queued job, as a completed upload does.</summary>
    public async Task<(Guid StoryId, Guid JobId)> SeedAsync(string file, string format, long durationMs, string? language = null) =>
        await SeedRowsAsync((await StoreAsync(file)).BlobName, format, durationMs, language);

    /// <summary>
    /// Seeds a recording like <see cref="SeedAsync"/>, of which the worker can read only <paramref name="fraction"/>
    /// until the test restores it: a job that stays mid-way for as long as the test needs.
    /// </summary>
    public async Task<(Guid StoryId, Guid JobId, HeldRecording Held)> SeedHeldAsync(string file, string format, long durationMs, double fraction)
    {
        var stored = await StoreAsync(file);
        var path = Get<IMediaStore>().LocalPathOf(stored.BlobName) ?? throw new InvalidOperationException("the worker harness stores on disk");
        var held = await HeldRecording.HoldAsync(path, fraction);
        var (storyId, jobId) = await SeedRowsAsync(stored.BlobName, format, durationMs);
        return (storyId, jobId, held);
    }

    private async Task<StoredMedia> StoreAsync(string file)
    {
        await using var source = File.OpenRead(file);
        return await Get<IMediaStore>().SaveAsync(source, "application/octet-stream", CancellationToken.None);
    }

    public async Task<(Guid StoryId, Guid JobId)> SeedRowsAsync(string blobName, string format, long durationMs, string? language = null)
    {
        var now = Time.GetUtcNow();
        var story = new Story
        {
            ProjectId = ProjectId,
            TellerPseudonym = "Verteller",
            ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()),
            Language = language,
            CreatedAt = now,
            Consent = new Consent { Scopes = ConsentScopes.Analysis, GivenAt = now },
        };
        var recording = new Recording
        {
            StoryId = story.Id, BlobName = blobName, Format = format, MediaType = "audio/" + format,
            DurationMs = durationMs, Sha256 = new string('0', 64), CreatedAt = now,
        };
        var job = new TranscriptionJob { RecordingId = recording.Id, CreatedAt = now, NotBefore = now };
        await WithDbAsync(async db =>
        {
            db.AddRange(story, recording, job);
            await db.SaveChangesAsync();
        });
        // Distinct creation times keep "oldest first" deterministic.
        Time.Advance(TimeSpan.FromMilliseconds(1));
        return (story.Id, job.Id);
    }

    public Task<TranscriptionJob> JobAsync(Guid jobId) =>
        WithDbAsync(db => db.TranscriptionJobs.AsNoTracking().SingleAsync(j => j.Id == jobId));

    public Task<StoryStatus> StoryStatusAsync(Guid storyId) =>
        WithDbAsync(db => db.Stories.Where(s => s.Id == storyId).Select(s => s.Status).SingleAsync());

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Repo.DeleteFolder(_folder);
    }
}
