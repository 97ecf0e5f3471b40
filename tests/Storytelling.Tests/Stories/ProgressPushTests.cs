using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Stories;

namespace Storytelling.Tests.Stories;

/// <summary>
/// Open stories pages follow transcription without polling: the real worker process transcribes a story uploaded
/// through the capture API with the generated Whisper model, and SignalR clients joined to the project hear
/// queued → transcribing → ready. Without Redis the web node watches the job table; with Redis the worker publishes.
/// </summary>
[Collection(MediaCorpusCollection.Name)]
public sealed class ProgressPushTests(MediaCorpus corpus)
{
    [Fact]
    public async Task Without_Redis_a_joined_page_hears_a_new_story_go_from_queued_through_transcribing_to_ready() =>
        await ProgressPush.FollowANewStoryAsync(corpus, redis: null);

    [Fact]
    public async Task Without_Redis_a_recording_imported_without_a_transcript_is_heard_as_queued() =>
        await ProgressPush.ImportAQueuedStoryAsync(redis: null);

    [Fact]
    public async Task A_member_of_another_project_or_a_reader_who_cannot_analyse_is_refused_and_hears_nothing()
    {
        using var app = await ProgressPush.NewAppAsync(null);
        var project = await ProgressPush.PeopleAsync(app);
        await using var interviewer = await ProgressPush.ConnectAsync(app, "interviewer@example.org");
        await using var outsider = await ProgressPush.ConnectAsync(app, "outsider@example.org");
        await using var beheerder = await ProgressPush.ConnectAsync(app, "beheerder@example.org");

        foreach (var connection in new[] { outsider.Connection, interviewer.Connection, beheerder.Connection })
        {
            var refused = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync(nameof(ProjectHub.Watch), project.A));
            Assert.EndsWith(ProjectHub.NotAllowed, refused.Message, StringComparison.Ordinal);
        }
        // A project that does not exist gets the same answer as one the caller may not read.
        var unknown = await Assert.ThrowsAsync<HubException>(() => outsider.Connection.InvokeAsync(nameof(ProjectHub.Watch), Guid.NewGuid()));
        Assert.EndsWith(ProjectHub.NotAllowed, unknown.Message, StringComparison.Ordinal);
        await outsider.Connection.InvokeAsync(nameof(ProjectHub.Watch), project.B);

        await using var begeleider = await ProgressPush.ConnectAsync(app, "begeleider@example.org");
        await begeleider.Connection.InvokeAsync(nameof(ProjectHub.Watch), project.A);
        var (storyId, jobId) = await ProgressPush.SeedJobAsync(app, project.A, ConsentScopes.Analysis);
        await ProgressPush.SetJobAsync(app, jobId, TranscriptionJobStatus.Running, 30);
        await begeleider.WaitForAsync(m => m.StoryId == storyId && m.State == "transcribing");

        Assert.Empty(outsider.Messages);
        Assert.Empty(interviewer.Messages);
        Assert.Empty(beheerder.Messages);
    }

    [Fact]
    public async Task A_resident_hears_only_of_stories_whose_teller_allowed_analysis_while_the_facilitator_hears_of_all()
    {
        using var app = await ProgressPush.NewAppAsync(null);
        var project = await ProgressPush.PeopleAsync(app);
        await using var begeleider = await ProgressPush.ConnectAsync(app, "begeleider@example.org");
        await using var bewoner = await ProgressPush.ConnectAsync(app, "bewoner@example.org");
        await begeleider.Connection.InvokeAsync(nameof(ProjectHub.Watch), project.A);
        await bewoner.Connection.InvokeAsync(nameof(ProjectHub.Watch), project.A);

        var (hidden, hiddenJob) = await ProgressPush.SeedJobAsync(app, project.A, ConsentScopes.None);
        await ProgressPush.SetJobAsync(app, hiddenJob, TranscriptionJobStatus.Running, 20);
        await begeleider.WaitForAsync(m => m.StoryId == hidden && m.Percent == 20);
        var (shown, shownJob) = await ProgressPush.SeedJobAsync(app, project.A, ConsentScopes.Analysis);
        await ProgressPush.SetJobAsync(app, shownJob, TranscriptionJobStatus.Succeeded, 100);
        await bewoner.WaitForAsync(m => m.StoryId == shown && m.State == "ready");
        await begeleider.WaitForAsync(m => m.StoryId == shown && m.State == "ready");

        Assert.DoesNotContain(bewoner.Messages, m => m.StoryId == hidden);
        // The story list shows the resident the same: the story without consent to analysis is not there.
        var list = await (await app.SignedInClientAsync("bewoner@example.org")).GetStringAsync($"/api/projects/{project.A}/stories");
        Assert.DoesNotContain(hidden.ToString(), list, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(shown.ToString(), list, StringComparison.OrdinalIgnoreCase);
    }
}

[Collection(RedisCollection.Name)]
public sealed class RedisProgressPushTests(RedisFixture redis, MediaCorpus corpus) : IClassFixture<MediaCorpus>
{
    [Fact]
    public async Task With_Redis_the_worker_announces_a_new_story_from_queued_through_transcribing_to_ready() =>
        await ProgressPush.FollowANewStoryAsync(corpus, redis.ConnectionString);

    [Fact]
    public async Task With_Redis_a_recording_imported_without_a_transcript_is_announced_as_queued() =>
        await ProgressPush.ImportAQueuedStoryAsync(redis.ConnectionString);
}

internal sealed class HubClient(HubConnection connection) : IAsyncDisposable
{
    public HubConnection Connection { get; } = connection;
    public ConcurrentQueue<JobMessage> Messages { get; } = new();

    public async Task WaitForAsync(Func<JobMessage, bool> match, int seconds = 60)
    {
        var deadline = Stopwatch.StartNew();
        while (!Messages.Any(match))
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(seconds))
                throw new TimeoutException($"No such message within {seconds} s; heard: {string.Join(", ", Messages)}");
            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}

internal static class ProgressPush
{
    public static async Task<TestApp> NewAppAsync(string? redis)
    {
        var settings = new Dictionary<string, string?> { ["Storytelling:Progress:WatchInterval"] = "00:00:00.1" };
        if (redis is not null)
        {
            settings["Storytelling:Redis:ConnectionString"] = redis;
            settings["Storytelling:Redis:Prefix"] = "t" + Guid.NewGuid().ToString("N")[..8];
        }
        return await new TestApp(settings).MigrateAsync();
    }

    /// <summary>Project A with one person per role, and B with its own begeleider (the outsider).</summary>
    public static async Task<(Guid A, Guid B)> PeopleAsync(TestApp app)
    {
        var ids = new Dictionary<string, Guid>();
        foreach (var who in new[] { "begeleider", "bewoner", "interviewer", "beleidsmedewerker", "beheerder", "outsider" })
            ids[who] = (await app.CreatePersonAsync($"{who}@example.org")).Id;
        var a = await app.CreateProjectAsync("Houten", (ids["begeleider"], ProjectRole.Begeleider), (ids["bewoner"], ProjectRole.Bewoner),
            (ids["interviewer"], ProjectRole.Interviewer), (ids["beleidsmedewerker"], ProjectRole.Beleidsmedewerker), (ids["beheerder"], ProjectRole.Beheerder));
        var b = await app.CreateProjectAsync("Zeist", (ids["outsider"], ProjectRole.Begeleider));
        return (a.Id, b.Id);
    }

    public static async Task<HubClient> ConnectAsync(TestApp app, string email)
    {
        var login = await app.CreateClient(new() { HandleCookies = false, AllowAutoRedirect = false })
            .PostAsJsonAsync("/api/account/login", new { email, password = TestApp.Password });
        login.EnsureSuccessStatusCode();
        var cookie = string.Join("; ", login.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]));
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, "/hubs/project"), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
                o.Headers["Cookie"] = cookie;
            })
            .Build();
        var client = new HubClient(connection);
        connection.On<JobMessage>(JobMessage.Method, client.Messages.Enqueue);
        await connection.StartAsync();
        return client;
    }

    public static async Task<(Guid StoryId, Guid JobId)> SeedJobAsync(TestApp app, Guid projectId, ConsentScopes consent)
    {
        var ids = (Guid.Empty, Guid.Empty);
        await app.WithDbAsync(async db =>
        {
            var at = app.Time.GetUtcNow();
            var story = new Story
            {
                ProjectId = projectId, TellerPseudonym = "Anna", ReceiptCodeHash = ReceiptCode.Hash(ReceiptCode.New()), CreatedAt = at,
                Consent = new Consent { Scopes = consent, GivenAt = at },
            };
            var recording = new Recording { StoryId = story.Id, BlobName = Guid.NewGuid().ToString("N"), Format = "webm", MediaType = "audio/webm", DurationMs = 8000, Sha256 = new string('0', 64), CreatedAt = at };
            var job = new TranscriptionJob { RecordingId = recording.Id, CreatedAt = at, NotBefore = at.AddDays(30) };
            db.AddRange(story, recording, job);
            await db.SaveChangesAsync();
            ids = (story.Id, job.Id);
        });
        return ids;
    }

    /// <summary>What the worker writes; a job that ends gets its completion time, as the worker's queue gives it.</summary>
    public static Task SetJobAsync(TestApp app, Guid jobId, TranscriptionJobStatus status, int percent)
    {
        DateTimeOffset? completed = status is TranscriptionJobStatus.Succeeded or TranscriptionJobStatus.NoSpeech or TranscriptionJobStatus.Failed
            ? app.Time.GetUtcNow() : null;
        return app.WithDbAsync(db => db.TranscriptionJobs.Where(j => j.Id == jobId)
            .ExecuteUpdateAsync(s => s.SetProperty(j => j.Status, status).SetProperty(j => j.ProgressPercent, percent).SetProperty(j => j.CompletedAt, completed)));
    }

    /// <summary>
    /// A begeleider and a bewoner of the project watch; an outsider watches their own project. A phone uploads 40 s of
    /// speech through a capture link; the real worker transcribes it.
    /// </summary>
    public static async Task FollowANewStoryAsync(MediaCorpus corpus, string? redis)
    {
        using var app = await NewAppAsync(redis);
        var project = await PeopleAsync(app);
        await using var begeleider = await ConnectAsync(app, "begeleider@example.org");
        await using var bewoner = await ConnectAsync(app, "bewoner@example.org");
        await using var outsider = await ConnectAsync(app, "outsider@example.org");
        await begeleider.Connection.InvokeAsync(nameof(ProjectHub.Watch), project.A);
        await bewoner.Connection.InvokeAsync(nameof(ProjectHub.Watch), project.A);
        await outsider.Connection.InvokeAsync(nameof(ProjectHub.Watch), project.B);

        var audio = Path.Combine(app.Folder, "long-speech.wav");
        await Worker.AudioDecoderTests.RunAsync("ffmpeg", "-nostdin", "-v", "error", "-stream_loop", "4", "-i", corpus[MediaCorpus.Wav], "-c", "copy", audio);
        var storyId = await UploadAsync(app, project.A, await File.ReadAllBytesAsync(audio));
        await using var worker = AppProcess.Start("Storytelling.Worker", WorkerSettings(app, redis));
        try
        {
            await begeleider.WaitForAsync(m => m.StoryId == storyId && m.State is "ready" or "no-speech" or "failed", 180);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nWorker:\n{worker.Stdout}\n{worker.Stderr}", e);
        }
        await bewoner.WaitForAsync(m => m.StoryId == storyId && m.State == "ready");

        var heard = begeleider.Messages.Where(m => m.StoryId == storyId).ToList();
        var states = heard.Select(m => m.State).Aggregate(new List<string>(), (list, s) =>
        {
            if (list.Count == 0 || list[^1] != s) list.Add(s);
            return list;
        });
        Assert.Equal(new[] { "queued", "transcribing", "ready" }, states);
        var percents = heard.Where(m => m.State == "transcribing").Select(m => m.Percent!.Value).ToList();
        Assert.Equal(percents.Order(), percents);
        Assert.Equal(100, heard[^1].Percent);
        Assert.Equal(states, bewoner.Messages.Where(m => m.StoryId == storyId).Select(m => m.State).Distinct());
        Assert.Empty(outsider.Messages);
        await app.WithDbAsync(async db =>
            Assert.Equal(TranscriptionJobStatus.Succeeded, (await db.TranscriptionJobs.SingleAsync(j => j.Recording!.StoryId == storyId)).Status));
        // Ids and numbers only: no teller's name or text travels in a message, and the worker logs none.
        Assert.All(heard, m => Assert.DoesNotContain("Anna", m.ToString(), StringComparison.Ordinal));
    }

    /// <summary>
    /// A REFI-QDA project from another tool with one recording and no transcript: the import queues it for the worker,
    /// and an open stories page hears of it as of a captured story (with Redis nobody watches the table, so the import
    /// itself announces it).
    /// </summary>
    public static async Task ImportAQueuedStoryAsync(string? redis)
    {
        using var app = await NewAppAsync(redis);
        var project = await PeopleAsync(app);
        await using var begeleider = await ConnectAsync(app, "begeleider@example.org");
        await begeleider.Connection.InvokeAsync(nameof(ProjectHub.Watch), project.A);
        const string qde = """
            <?xml version="1.0" encoding="utf-8"?>
            <Project xmlns="urn:QDA-XML:project:1.0" name="Elders">
              <Sources><AudioSource guid="AAAAAAAA-2222-3333-4444-555555555555" name="Interview Anna" path="internal://anna.wav"/></Sources>
            </Project>
            """;
        var qdpx = Exchange.Qdpx.Zip(("project.qde", Exchange.Qdpx.Utf8(qde)), ("Sources/anna.wav", Exchange.Wave.Seconds(3)));
        var content = new ByteArrayContent(qdpx);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        var imported = await (await app.SignedInClientAsync("begeleider@example.org"))
            .PostAsync($"/api/projects/{project.A}/exchange/project?consentConfirmed=true", content);
        Assert.Equal(System.Net.HttpStatusCode.OK, imported.StatusCode);

        var storyId = Guid.Empty;
        await app.WithDbAsync(async db => storyId = await db.TranscriptionJobs.Where(j => j.Recording!.Story!.ProjectId == project.A)
            .Select(j => j.Recording!.StoryId).SingleAsync());
        await begeleider.WaitForAsync(m => m.StoryId == storyId && m.State == "queued");
    }

    private static async Task<Guid> UploadAsync(TestApp app, Guid projectId, byte[] bytes)
    {
        var facilitator = await app.SignedInClientAsync("begeleider@example.org");
        var link = await facilitator.PostAsJsonAsync($"/api/projects/{projectId}/invitations", new { kind = "Capture", role = "Bewoner" });
        var url = (await link.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        var phone = app.AnonymousClient();
        var created = await phone.PostAsJsonAsync($"/api/capture/{url[(url.LastIndexOf('/') + 1)..]}/uploads",
            new { sizeBytes = bytes.Length, mediaType = "audio/wav", consent = new { analysis = true, quotesInReports = true, audioInWorkshops = false }, language = "nl" });
        created.EnsureSuccessStatusCode();
        var uploadId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadId").GetString()!;
        const int chunk = 256 * 1024;
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            var content = new ByteArrayContent(bytes, offset, Math.Min(chunk, bytes.Length - offset));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            (await phone.PutAsync($"/api/uploads/{uploadId}/chunks?offset={offset}", content)).EnsureSuccessStatusCode();
        }
        var complete = await phone.PostAsync($"/api/uploads/{uploadId}/complete", null);
        complete.EnsureSuccessStatusCode();
        return (await complete.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("storyId").GetGuid();
    }

    private static Dictionary<string, string> WorkerSettings(TestApp app, string? redis)
    {
        var models = Path.Combine(app.Folder, "models");
        Directory.CreateDirectory(models);
        File.Copy(Transcription.WhisperTestEnvironment.TestModelPath, Path.Combine(models, "ggml-test.bin"), overwrite: true);
        var settings = new Dictionary<string, string>
        {
            ["Storytelling__Database__Provider"] = "Sqlite",
            ["Storytelling__Database__ConnectionString"] = $"Data Source={Path.Combine(app.Folder, "storytelling.db")}",
            ["Storytelling__Storage__Provider"] = "Disk",
            ["Storytelling__Storage__DiskStore__RootPath"] = Path.Combine(app.Folder, "media"),
            ["Storytelling__Transcription__ModelsDirectory"] = models,
            ["Storytelling__Transcription__Model"] = "test",
            ["Storytelling__Transcription__Threads"] = "2",
            ["Storytelling__Transcription__MaxTokensPerSegment"] = "32",
            ["Storytelling__Transcription__TemperatureFallback"] = "false",
            ["Storytelling__Transcription__PollInterval"] = "00:00:00.2",
        };
        if (redis is not null)
        {
            settings["Storytelling__Redis__ConnectionString"] = redis;
            settings["Storytelling__Redis__Prefix"] = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Core.Fabric.RedisOptions>>().Value.Prefix;
        }
        return settings;
    }
}
