using System.IO.Pipelines;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Core.Stories;
using Storytelling.Core.Transcription;
using Storytelling.Tests.Infrastructure;
using Storytelling.Web.Features.Capture;

namespace Storytelling.Tests.Capture;

/// <summary>The upload API's rules, run against each media store.</summary>
public abstract class UploadApiContract : IAsyncLifetime, IClassFixture<MediaCorpus>
{
    private readonly MediaCorpus _corpus;

    protected UploadApiContract(MediaCorpus corpus) => _corpus = corpus;

    private TestApp _app = null!;
    private Guid _project;
    private string _token = "";
    protected const int Chunk = 16 * 1024;

    protected abstract IDictionary<string, string?> StorageSettings();

    public virtual async Task InitializeAsync()
    {
        _app = await new TestApp(StorageSettings()).MigrateAsync();
        var facilitator = await _app.CreatePersonAsync("begeleider@example.org");
        var interviewer = await _app.CreatePersonAsync("interviewer@example.org");
        var resident = await _app.CreatePersonAsync("bewoner@example.org");
        _project = (await _app.CreateProjectAsync("Werk", (facilitator.Id, ProjectRole.Begeleider),
            (interviewer.Id, ProjectRole.Interviewer), (resident.Id, ProjectRole.Bewoner))).Id;
        var client = await _app.SignedInClientAsync("begeleider@example.org");
        var link = await client.PostAsJsonAsync($"/api/projects/{_project}/invitations", new { kind = "Capture", role = "Bewoner" });
        var url = (await link.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        _token = url[(url.LastIndexOf('/') + 1)..];
    }

    public virtual Task DisposeAsync()
    {
        _app.Dispose();
        return Task.CompletedTask;
    }

    private HttpClient Phone(string language = "nl")
    {
        var client = _app.AnonymousClient();
        client.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue(language));
        return client;
    }

    private static object Consent(bool analysis = true) => new { analysis, quotesInReports = true, audioInWorkshops = false };

    private async Task<(HttpResponseMessage Response, JsonElement Body)> CreateAsync(HttpClient client, long size, string? sha256 = null, object? consent = null, string mediaType = "audio/wav")
    {
        var response = await client.PostAsJsonAsync($"/api/capture/{_token}/uploads",
            new { sizeBytes = size, mediaType, sha256, consent = consent ?? Consent(), language = "nl" });
        return (response, await Body(response));
    }

    private static async Task<JsonElement> Body(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static Task<HttpResponseMessage> PutChunkAsync(HttpClient client, string uploadId, long offset, ReadOnlyMemory<byte> bytes)
    {
        var content = new ByteArrayContent(bytes.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return client.PutAsync($"/api/uploads/{uploadId}/chunks?offset={offset}", content);
    }

    /// <summary>A whole upload as a phone does it: create, every chunk, complete; returns the answer to complete.</summary>
    private async Task<HttpResponseMessage> UploadWholeAsync(HttpClient phone, byte[] bytes, string? sha256 = null, string mediaType = "audio/wav")
    {
        var (_, session) = await CreateAsync(phone, bytes.Length, sha256, mediaType: mediaType);
        var uploadId = session.GetProperty("uploadId").GetString()!;
        await SendAllAsync(phone, uploadId, bytes);
        return await phone.PostAsync($"/api/uploads/{uploadId}/complete", null);
    }

    private static async Task SendAllAsync(HttpClient client, string uploadId, byte[] bytes, long from = 0)
    {
        for (var offset = from; offset < bytes.Length; offset += Chunk)
        {
            var response = await PutChunkAsync(client, uploadId, offset, bytes.AsMemory((int)offset, (int)Math.Min(Chunk, bytes.Length - offset)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    private async Task<byte[]> StoredBytesAsync(string blobName)
    {
        var store = _app.Services.GetRequiredService<IMediaStore>();
        await using var read = await store.OpenReadAsync(blobName, 0, null, CancellationToken.None);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        return copy.ToArray();
    }

    private async Task AssertNothingLeftAsync()
    {
        await _app.WithDbAsync(async db =>
        {
            Assert.Equal(0, await db.Stories.CountAsync());
            Assert.Equal(0, await db.Recordings.CountAsync());
            Assert.Equal(0, await db.UploadSessions.CountAsync());
        });
        await AssertNoBlobsAsync();
    }

    /// <summary>No committed or staged bytes remain in the store.</summary>
    protected abstract Task AssertNoBlobsAsync();

    protected static Task AssertFolderEmptyAsync(string folder)
    {
        Assert.Empty(Directory.GetFiles(folder, "*", SearchOption.AllDirectories));
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_story_sent_in_chunks_arrives_byte_identical_with_a_receipt_code_and_a_queued_transcription()
    {
        var wav = await TestAudio.SpeechWavAsync("Werk betekent voor mij dat ik ertoe doe.");
        var sha = Convert.ToHexStringLower(SHA256.HashData(wav));
        var phone = Phone();
        var (created, session) = await CreateAsync(phone, wav.Length, sha);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var uploadId = session.GetProperty("uploadId").GetString()!;
        Assert.Equal(0, session.GetProperty("receivedBytes").GetInt64());

        await SendAllAsync(phone, uploadId, wav);
        var complete = await phone.PostAsync($"/api/uploads/{uploadId}/complete", null);
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        var done = await Body(complete);
        var receipt = done.GetProperty("receiptCode").GetString()!;
        Assert.Equal(receipt, ReceiptCode.Normalize(receipt));
        Assert.Equal("wav", done.GetProperty("format").GetString());
        Assert.InRange(done.GetProperty("durationMs").GetInt64(), 1000, 10_000);

        await _app.WithDbAsync(async db =>
        {
            var story = await db.Stories.Include(s => s.Recordings).SingleAsync();
            // Stored as its SHA-256 only, like invitation links: a copy of the database hands out no teller's key.
            Assert.Equal(ReceiptCode.Hash(receipt), story.ReceiptCodeHash);
            Assert.DoesNotContain(receipt, story.ReceiptCodeHash, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(ConsentScopes.Analysis | ConsentScopes.QuotesInReports, story.Consent.Scopes);
            Assert.Equal(ConsentMethod.GivenOnline, story.Consent.Method);
            Assert.Equal("nl", story.Language);
            var recording = story.Recordings.Single();
            Assert.Equal(sha, recording.Sha256);
            Assert.Equal(wav.Length, recording.SizeBytes);
            Assert.Equal("audio/wav", recording.MediaType);
            Assert.Equal(wav, await StoredBytesAsync(recording.BlobName));
            var job = await db.TranscriptionJobs.SingleAsync();
            Assert.Equal(recording.Id, job.RecordingId);
            Assert.Equal(TranscriptionJobStatus.Queued, job.Status);
        });

        // Not anywhere in the database file either (SQLite; the PostgreSQL run checks the column above).
        foreach (var file in Directory.EnumerateFiles(_app.Folder, "storytelling.db*"))
        {
            using var copy = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var buffer = new MemoryStream();
            await copy.CopyToAsync(buffer);
            Assert.DoesNotContain(receipt, System.Text.Encoding.ASCII.GetString(buffer.ToArray()), StringComparison.Ordinal);
        }

        // The upload id travels in addresses: its status says the story arrived, never the code.
        var statusText = await (await Phone().GetAsync($"/api/uploads/{uploadId}")).Content.ReadAsStringAsync();
        Assert.Equal("Completed", JsonDocument.Parse(statusText).RootElement.GetProperty("status").GetString());
        Assert.DoesNotContain(receipt, statusText, StringComparison.Ordinal);
        Assert.DoesNotContain("receiptCode", statusText, StringComparison.Ordinal);

        // Asking again with the id alone creates nothing twice and repeats no code.
        var again = await Body(await Phone().PostAsync($"/api/uploads/{uploadId}/complete", null));
        Assert.Equal(JsonValueKind.Null, again.GetProperty("receiptCode").ValueKind);
        // The phone whose answer got lost proves it holds the recording and gets a fresh code; the lost one stops counting.
        var proved = await Body(await phone.PostAsJsonAsync($"/api/uploads/{uploadId}/complete", new { sha256 = sha }));
        var fresh = proved.GetProperty("receiptCode").GetString()!;
        Assert.NotEqual(receipt, fresh);
        await _app.WithDbAsync(async db =>
        {
            Assert.Equal(1, await db.Stories.CountAsync());
            Assert.Equal(ReceiptCode.Hash(fresh), (await db.Stories.SingleAsync()).ReceiptCodeHash);
        });
    }

    /// <summary>Every bad file of the generated corpus, sent whole through the API: the exact refusal, nothing left.</summary>
    [Theory]
    [InlineData(MediaCorpus.Text, "not_media", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(MediaCorpus.Zip, "not_media", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(MediaCorpus.RandomBytes, "not_media", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(MediaCorpus.Html, "not_media", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(MediaCorpus.Json, "not_media", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(MediaCorpus.Pdf, "not_media", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(MediaCorpus.Zeros, "not_media", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(MediaCorpus.Elf, "not_media", HttpStatusCode.UnsupportedMediaType)]
    [InlineData(MediaCorpus.Image, "no_audio", HttpStatusCode.UnprocessableEntity)]
    [InlineData(MediaCorpus.VideoOnlyMp4, "no_audio", HttpStatusCode.UnprocessableEntity)]
    [InlineData(MediaCorpus.VideoOnlyWebm, "no_audio", HttpStatusCode.UnprocessableEntity)]
    [InlineData(MediaCorpus.TruncatedM4a, "unreadable", HttpStatusCode.UnprocessableEntity)]
    [InlineData(MediaCorpus.TruncatedFaststartM4a, "unreadable", HttpStatusCode.UnprocessableEntity)]
    [InlineData(MediaCorpus.TruncatedMp3, "unreadable", HttpStatusCode.UnprocessableEntity)]
    [InlineData(MediaCorpus.TruncatedMp3Partial, "unreadable", HttpStatusCode.UnprocessableEntity)]
    [InlineData(MediaCorpus.TruncatedWebm, "unreadable", HttpStatusCode.UnprocessableEntity)]
    [InlineData(MediaCorpus.WavHeaderOnly, "unreadable", HttpStatusCode.UnprocessableEntity)]
    public async Task A_bad_file_is_refused_by_content_with_the_exact_reason_and_leaves_nothing(string name, string code, HttpStatusCode status)
    {
        var bytes = await File.ReadAllBytesAsync(_corpus[name]);
        var phone = Phone();
        // The declared type is what the phone believes (the extension); only the content counts.
        var complete = await UploadWholeAsync(phone, bytes, mediaType: "audio/mp4");
        Assert.Equal(status, complete.StatusCode);
        var body = await Body(complete);
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()));
        await AssertNothingLeftAsync();
    }

    [Theory]
    [InlineData(MediaCorpus.M4a, "mp4", "audio/mp4")]
    [InlineData(MediaCorpus.BrowserWebm, "webm", "audio/webm")]
    [InlineData(MediaCorpus.WhatsAppOpus, "ogg", "audio/ogg")]
    [InlineData(MediaCorpus.Mp3NamedM4a, "mp3", "audio/mpeg")]
    [InlineData(MediaCorpus.ThreeGp, "3gp", "audio/3gpp")]
    [InlineData(MediaCorpus.VideoMp4, "mp4", "video/mp4")]
    public async Task Phone_and_messenger_formats_are_accepted_and_typed_by_content(string name, string format, string mediaType)
    {
        var bytes = await File.ReadAllBytesAsync(_corpus[name]);
        var phone = Phone();
        var complete = await UploadWholeAsync(phone, bytes, mediaType: "application/octet-stream");
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        Assert.Equal(format, (await Body(complete)).GetProperty("format").GetString());
        await _app.WithDbAsync(async db => Assert.Equal(mediaType, (await db.Recordings.SingleAsync()).MediaType));
    }

    [Fact]
    public async Task After_a_dropped_connection_sending_resumes_from_the_last_confirmed_byte()
    {
        var wav = await TestAudio.SpeechWavAsync("Ik ben gewoon te moe om te solliciteren.");
        var phone = Phone();
        var (_, session) = await CreateAsync(phone, wav.Length);
        var uploadId = session.GetProperty("uploadId").GetString()!;
        await PutChunkAsync(phone, uploadId, 0, wav.AsMemory(0, Chunk));
        await PutChunkAsync(phone, uploadId, Chunk, wav.AsMemory(Chunk, Chunk));

        // A new phone session (reload, other network) asks where it stands and goes on from there.
        var later = Phone();
        var status = await Body(await later.GetAsync($"/api/uploads/{uploadId}"));
        var received = status.GetProperty("receivedBytes").GetInt64();
        Assert.Equal(2 * Chunk, received);
        await SendAllAsync(later, uploadId, wav, received);
        var complete = await later.PostAsync($"/api/uploads/{uploadId}/complete", null);
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        await _app.WithDbAsync(async db =>
            Assert.Equal(wav, await StoredBytesAsync((await db.Recordings.SingleAsync()).BlobName)));
    }

    [Fact]
    public async Task A_repeated_chunk_is_accepted_without_duplicating_bytes_and_gaps_or_overlaps_get_409()
    {
        var wav = await TestAudio.SpeechWavAsync("Een baan kost mij misschien mijn uitkering.");
        var phone = Phone();
        var (_, session) = await CreateAsync(phone, wav.Length);
        var uploadId = session.GetProperty("uploadId").GetString()!;

        Assert.Equal(HttpStatusCode.OK, (await PutChunkAsync(phone, uploadId, 0, wav.AsMemory(0, Chunk))).StatusCode);
        var repeat = await PutChunkAsync(phone, uploadId, 0, wav.AsMemory(0, Chunk));
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal(Chunk, (await Body(repeat)).GetProperty("receivedBytes").GetInt64());

        var gap = await PutChunkAsync(phone, uploadId, 2 * Chunk, wav.AsMemory(2 * Chunk, Chunk));
        Assert.Equal(HttpStatusCode.Conflict, gap.StatusCode);
        var gapBody = await Body(gap);
        Assert.Equal("out_of_order", gapBody.GetProperty("code").GetString());
        Assert.Equal(Chunk, gapBody.GetProperty("expectedOffset").GetInt64());

        var overlap = await PutChunkAsync(phone, uploadId, Chunk / 2, wav.AsMemory(Chunk / 2, Chunk));
        Assert.Equal(HttpStatusCode.Conflict, overlap.StatusCode);
        Assert.Equal(Chunk, (await Body(overlap)).GetProperty("expectedOffset").GetInt64());

        var early = await phone.PostAsync($"/api/uploads/{uploadId}/complete", null);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Equal("incomplete", (await Body(early)).GetProperty("code").GetString());

        await SendAllAsync(phone, uploadId, wav, Chunk);
        Assert.Equal(HttpStatusCode.OK, (await phone.PostAsync($"/api/uploads/{uploadId}/complete", null)).StatusCode);
        await _app.WithDbAsync(async db =>
            Assert.Equal(wav, await StoredBytesAsync((await db.Recordings.SingleAsync()).BlobName)));
    }

    /// <summary>Another web node: its own process state, the same database and media store.</summary>
    private async Task<TestApp> OtherNodeAsync()
    {
        var settings = new Dictionary<string, string?>(StorageSettings());
        if (!settings.ContainsKey("Storytelling:Database:ConnectionString"))
            settings["Storytelling:Database:ConnectionString"] = $"Data Source={Path.Combine(_app.Folder, "storytelling.db")}";
        if (!settings.ContainsKey("Storytelling:Storage:Provider"))
            settings["Storytelling:Storage:DiskStore:RootPath"] = Path.Combine(_app.Folder, "media");
        var node = new TestApp(settings);
        node.Time.SetUtcNow(_app.Time.GetUtcNow());
        return await node.MigrateAsync();
    }

    private static HttpClient PhoneOn(TestApp node)
    {
        var client = node.AnonymousClient();
        client.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("nl"));
        return client;
    }

    [Fact]
    public async Task A_node_killed_between_staging_a_chunk_and_answering_leaves_an_offset_another_node_resumes_from()
    {
        var wav = await TestAudio.SpeechWavAsync("Ik werk in de zorg en dat wil ik blijven doen.");
        string uploadId;
        using (var nodeA = await OtherNodeAsync())
        {
            var phoneA = PhoneOn(nodeA);
            var (_, session) = await CreateAsync(phoneA, wav.Length);
            uploadId = session.GetProperty("uploadId").GetString()!;
            Assert.Equal(HttpStatusCode.OK, (await PutChunkAsync(phoneA, uploadId, 0, wav.AsMemory(0, Chunk))).StatusCode);
            // The second chunk reaches the store, then the node dies before the phone hears of it.
            string blobName = "";
            await nodeA.WithDbAsync(async db => blobName = (await db.UploadSessions.SingleAsync(u => u.Id == uploadId)).BlobName);
            var staged = await nodeA.Services.GetRequiredService<IMediaStore>().AppendStagedAsync(
                blobName, Chunk, Chunk, PipeReader.Create(new MemoryStream(wav, Chunk, Chunk)), CancellationToken.None);
            Assert.Equal(2 * Chunk, staged);
        }

        // The phone goes on through node B, which has never seen this upload, and first repeats the unanswered chunk.
        var phoneB = Phone();
        var repeat = await PutChunkAsync(phoneB, uploadId, Chunk, wav.AsMemory(Chunk, Chunk));
        Assert.Equal(HttpStatusCode.OK, repeat.StatusCode);
        Assert.Equal(2 * Chunk, (await Body(repeat)).GetProperty("receivedBytes").GetInt64());
        Assert.Equal(2 * Chunk, (await Body(await phoneB.GetAsync($"/api/uploads/{uploadId}"))).GetProperty("receivedBytes").GetInt64());
        await SendAllAsync(phoneB, uploadId, wav, 2 * Chunk);
        var complete = await phoneB.PostAsync($"/api/uploads/{uploadId}/complete", null);
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        await _app.WithDbAsync(async db =>
        {
            var recording = await db.Recordings.SingleAsync();
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(wav)), recording.Sha256);
            Assert.Equal(wav, await StoredBytesAsync(recording.BlobName));
        });
    }

    [Fact]
    public async Task Overlapping_requests_for_the_same_chunk_on_two_nodes_stage_it_once()
    {
        var wav = await TestAudio.SpeechWavAsync("Vrijwilligerswerk telt ook.");
        using var nodeB = await OtherNodeAsync();
        var phoneA = Phone();
        var phoneB = PhoneOn(nodeB);
        var (_, session) = await CreateAsync(phoneA, wav.Length);
        var uploadId = session.GetProperty("uploadId").GetString()!;

        // A phone that switches networks mid-chunk sends it again, to whichever node the balancer picks.
        for (var offset = 0; offset < wav.Length; offset += Chunk)
        {
            var length = Math.Min(Chunk, wav.Length - offset);
            var from = offset;
            var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
                PutChunkAsync(i % 2 == 0 ? phoneA : phoneB, uploadId, from, wav.AsMemory(from, length))));
            foreach (var answer in answers)
            {
                Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
                Assert.Equal(offset + length, (await Body(answer)).GetProperty("receivedBytes").GetInt64());
            }
        }
        var complete = await phoneB.PostAsync($"/api/uploads/{uploadId}/complete", null);
        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        // The other node's late retry of the last chunk changes nothing.
        var late = await PutChunkAsync(phoneA, uploadId, 0, wav.AsMemory(0, Chunk));
        Assert.Equal(wav.Length, (await Body(late)).GetProperty("receivedBytes").GetInt64());
        await _app.WithDbAsync(async db =>
            Assert.Equal(wav, await StoredBytesAsync((await db.Recordings.SingleAsync()).BlobName)));
    }

    [Fact]
    public async Task An_upload_that_keeps_receiving_chunks_outlives_its_first_expiry_and_an_idle_one_is_swept()
    {
        var wav = await TestAudio.SpeechWavAsync("Langzaam maar zeker.");
        var phone = Phone();
        var (_, busy) = await CreateAsync(phone, wav.Length);
        var busyId = busy.GetProperty("uploadId").GetString()!;
        var (_, idle) = await CreateAsync(phone, wav.Length);
        var idleId = idle.GetProperty("uploadId").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await PutChunkAsync(phone, busyId, 0, wav.AsMemory(0, Chunk))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PutChunkAsync(phone, idleId, 0, wav.AsMemory(0, Chunk))).StatusCode);

        _app.Time.Advance(TimeSpan.FromHours(47));
        Assert.Equal(HttpStatusCode.OK, (await PutChunkAsync(phone, busyId, Chunk, wav.AsMemory(Chunk, Chunk))).StatusCode);
        _app.Time.Advance(TimeSpan.FromHours(2));
        // The janitor's own timer runs on the same clock and may have swept already; either way only the idle one goes.
        await _app.Services.GetRequiredService<UploadSessionJanitor>().SweepAsync(CancellationToken.None);
        await _app.WithDbAsync(async db => Assert.Equal(busyId, (await db.UploadSessions.SingleAsync()).Id));

        Assert.Equal(HttpStatusCode.NotFound, (await phone.GetAsync($"/api/uploads/{idleId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PutChunkAsync(phone, idleId, Chunk, wav.AsMemory(Chunk, Chunk))).StatusCode);
        await SendAllAsync(phone, busyId, wav, 2 * Chunk);
        Assert.Equal(HttpStatusCode.OK, (await phone.PostAsync($"/api/uploads/{busyId}/complete", null)).StatusCode);
    }

    [Fact]
    public async Task More_bytes_than_declared_are_refused_and_a_wrong_hash_leaves_nothing_behind()
    {
        var wav = await TestAudio.SpeechWavAsync("Schulden.");
        var phone = Phone();
        var (_, small) = await CreateAsync(phone, 1000);
        var tooMuch = await PutChunkAsync(phone, small.GetProperty("uploadId").GetString()!, 0, wav.AsMemory(0, 2000));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMuch.StatusCode);

        var (_, session) = await CreateAsync(phone, wav.Length, sha256: new string('0', 64));
        var uploadId = session.GetProperty("uploadId").GetString()!;
        await SendAllAsync(phone, uploadId, wav);
        var complete = await phone.PostAsync($"/api/uploads/{uploadId}/complete", null);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, complete.StatusCode);
        Assert.Equal("hash_mismatch", (await Body(complete)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await phone.GetAsync($"/api/uploads/{uploadId}")).StatusCode);

        // The abandoned small one is swept once its lifetime is over; then nothing at all remains.
        _app.Time.Advance(TimeSpan.FromHours(49));
        await _app.Services.GetRequiredService<UploadSessionJanitor>().SweepAsync(CancellationToken.None);
        await AssertNothingLeftAsync();
    }

    [Fact]
    public async Task When_checking_times_out_the_bytes_are_kept_for_a_retry_and_an_abandoned_upload_is_swept_whole()
    {
        var wav = await TestAudio.SpeechWavAsync("Even geduld.");
        // An ffprobe that hangs, and a clock the test moves on: the probe's timeout runs on the app's TimeProvider.
        // FFMpegCore runs a file named ffprobe and first asks it for its version, which a stuck ffprobe still answers.
        var hangingFolder = Repo.NewTempFolder("hanging-ffprobe");
        var hanging = Path.Combine(hangingFolder, "ffprobe");
        await File.WriteAllTextAsync(hanging, "#!/bin/sh\nif [ \"$1\" = \"-version\" ]; then echo stand-in; exit 0; fi\nsleep 60\n");
        File.SetUnixFileMode(hanging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var settings = new Dictionary<string, string?>(StorageSettings())
        {
            ["Storytelling:Media:ProbeTimeout"] = "00:00:05",
            ["Storytelling:Media:FfprobePath"] = hanging,
        };
        using var impatient = await new TestApp(settings).MigrateAsync();
        var facilitator = await impatient.CreatePersonAsync("b2@example.org");
        var project = await impatient.CreateProjectAsync("Werk", (facilitator.Id, ProjectRole.Begeleider));
        var interviewer = await impatient.SignedInClientAsync("b2@example.org");
        var created = await interviewer.PostAsJsonAsync($"/api/projects/{project.Id}/uploads",
            new { sizeBytes = wav.Length, mediaType = "audio/wav", consent = Consent(), consentGivenVerbally = true });
        var uploadId = (await Body(created)).GetProperty("uploadId").GetString()!;
        await SendAllAsync(interviewer, uploadId, wav);

        var completing = interviewer.PostAsync($"/api/uploads/{uploadId}/complete", null);
        while (!completing.IsCompleted)
        {
            impatient.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50);
        }
        var complete = await completing;
        Repo.DeleteFolder(hangingFolder);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, complete.StatusCode);
        Assert.Equal("probe_timed_out", (await Body(complete)).GetProperty("code").GetString());
        var status = await Body(await interviewer.GetAsync($"/api/uploads/{uploadId}"));
        Assert.Equal(wav.Length, status.GetProperty("receivedBytes").GetInt64());

        impatient.Time.Advance(TimeSpan.FromHours(49));
        await impatient.Services.GetRequiredService<UploadSessionJanitor>().SweepAsync(CancellationToken.None);
        await impatient.WithDbAsync(async db => Assert.Equal(0, await db.UploadSessions.CountAsync()));
        await AssertNoBlobsAsync();
    }

    [Fact]
    public async Task A_recording_longer_than_the_project_allows_is_refused_in_the_tellers_language()
    {
        await _app.WithDbAsync(async db =>
        {
            await db.Projects.Where(p => p.Id == _project).ExecuteUpdateAsync(s => s.SetProperty(p => p.MaxRecordingSeconds, 10));
        });
        var wav = await TestAudio.SpeechWavAsync(string.Join(" ", Enumerable.Repeat("Werk geeft mijn dag een ritme en mijn leven betekenis.", 5)));
        var phone = Phone("ar");
        var complete = await UploadWholeAsync(phone, wav);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, complete.StatusCode);
        var body = await Body(complete);
        Assert.Equal("too_long", body.GetProperty("code").GetString());
        Assert.Equal(CaptureErrors.TooLong.Ar, body.GetProperty("detail").GetString());
        await AssertNothingLeftAsync();
    }

    [Theory]
    [InlineData(0, "empty", HttpStatusCode.BadRequest)]
    [InlineData(-5, "empty", HttpStatusCode.BadRequest)]
    [InlineData(600L * 1024 * 1024, "too_large", HttpStatusCode.RequestEntityTooLarge)]
    public async Task Impossible_sizes_are_refused_before_a_byte_is_sent(long size, string code, HttpStatusCode status)
    {
        var (response, body) = await CreateAsync(Phone(), size);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Without_consent_for_the_analysis_nothing_is_received()
    {
        var (response, body) = await CreateAsync(Phone("en"), 1000, consent: Consent(analysis: false));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("consent_missing", body.GetProperty("code").GetString());
        Assert.Equal(CaptureErrors.ConsentMissing.En, body.GetProperty("detail").GetString());
        await AssertNothingLeftAsync();
    }

    [Theory]
    [InlineData("nonsense")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("%3Cscript%3E")]
    public async Task Unknown_or_hostile_upload_ids_get_404(string uploadId)
    {
        var phone = Phone();
        Assert.Equal(HttpStatusCode.NotFound, (await phone.GetAsync($"/api/uploads/{uploadId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PutChunkAsync(phone, uploadId, 0, new byte[10])).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await phone.PostAsync($"/api/uploads/{uploadId}/complete", null)).StatusCode);
    }

    [Fact]
    public async Task A_chunk_without_length_or_larger_than_allowed_is_refused()
    {
        var phone = Phone();
        var (_, session) = await CreateAsync(phone, 20L * 1024 * 1024);
        var uploadId = session.GetProperty("uploadId").GetString()!;
        var streamed = new StreamContent(new MemoryStream(new byte[1000]));
        streamed.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/uploads/{uploadId}/chunks?offset=0") { Content = streamed };
        request.Headers.TransferEncodingChunked = true;
        Assert.Equal(HttpStatusCode.LengthRequired, (await phone.SendAsync(request)).StatusCode);
        var huge = await PutChunkAsync(phone, uploadId, 0, new byte[9 * 1024 * 1024]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal("chunk_too_large", (await Body(huge)).GetProperty("code").GetString());
        var noOffset = await phone.PutAsync($"/api/uploads/{uploadId}/chunks", new ByteArrayContent(new byte[10]));
        Assert.Equal(HttpStatusCode.BadRequest, noOffset.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("""{"sizeBytes":"veel"}""")]
    [InlineData("""{"sizeBytes":1000,"mediaType":"<script>","consent":{"analysis":true}}""")]
    [InlineData("""{"sizeBytes":1000,"mediaType":"audio/wav","sha256":"xyz","consent":{"analysis":true}}""")]
    public async Task Malformed_upload_requests_get_400(string json)
    {
        var response = await Phone().PostAsync($"/api/capture/{_token}/uploads", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertNothingLeftAsync();
    }

    [Fact]
    public async Task An_unknown_capture_link_cannot_start_an_upload()
    {
        var response = await Phone().PostAsJsonAsync("/api/capture/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/uploads",
            new { sizeBytes = 1000, mediaType = "audio/wav", consent = Consent() });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("link_unknown", (await Body(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_interviewer_sends_for_a_teller_with_verbal_consent_recorded_by_name_but_a_resident_cannot()
    {
        var wav = await TestAudio.SpeechWavAsync("Bij het taalcafé leer ik Nederlands.");
        var interviewer = await _app.SignedInClientAsync("interviewer@example.org");
        var created = await interviewer.PostAsJsonAsync($"/api/projects/{_project}/uploads",
            new { sizeBytes = wav.Length, mediaType = "audio/wav", consent = Consent(), tellerPseudonym = "Samira", consentGivenVerbally = true });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var uploadId = (await Body(created)).GetProperty("uploadId").GetString()!;
        await SendAllAsync(interviewer, uploadId, wav);
        Assert.Equal(HttpStatusCode.OK, (await interviewer.PostAsync($"/api/uploads/{uploadId}/complete", null)).StatusCode);
        await _app.WithDbAsync(async db =>
        {
            var story = await db.Stories.SingleAsync();
            var interviewerId = await db.Users.Where(u => u.Email == "interviewer@example.org").Select(u => u.Id).SingleAsync();
            Assert.Equal("Samira", story.TellerPseudonym);
            Assert.Equal(ConsentMethod.GivenVerbally, story.Consent.Method);
            Assert.Equal(interviewerId, story.Consent.RecordedByPersonId);
            Assert.Equal(interviewerId, story.RecordedByPersonId);
        });

        var resident = await _app.SignedInClientAsync("bewoner@example.org");
        var refused = await resident.PostAsJsonAsync($"/api/projects/{_project}/uploads",
            new { sizeBytes = 1000, mediaType = "audio/wav", consent = Consent(), consentGivenVerbally = true });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var anonymous = await Phone().PostAsJsonAsync($"/api/projects/{_project}/uploads",
            new { sizeBytes = 1000, mediaType = "audio/wav", consent = Consent(), consentGivenVerbally = true });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task An_anonymous_teller_cannot_claim_verbal_consent_or_an_interviewer()
    {
        var response = await Phone().PostAsJsonAsync($"/api/capture/{_token}/uploads",
            new { sizeBytes = 1000, mediaType = "audio/wav", consent = Consent(), consentGivenVerbally = true });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await _app.WithDbAsync(async db =>
        {
            var session = await db.UploadSessions.SingleAsync();
            Assert.Equal(ConsentMethod.GivenOnline, session.ConsentMethod);
            Assert.Null(session.RecordedByPersonId);
        });
    }

    [Fact]
    public async Task New_uploads_from_one_address_are_rate_limited()
    {
        var phone = Phone();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 31; i++) statuses.Add((await CreateAsync(phone, 1000)).Response.StatusCode);
        Assert.All(statuses.Take(30), s => Assert.Equal(HttpStatusCode.Created, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[30]);
    }
}

internal static class TestAudio
{
    /// <summary>Dutch speech synthesised with espeak-ng, as a 22 kHz mono WAV.</summary>
    public static async Task<byte[]> SpeechWavAsync(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"speech-{Guid.NewGuid():N}.wav");
        try
        {
            var start = new ProcessStartInfo("espeak-ng") { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "-v", "nl", "-w", path, text }) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            await process.WaitForExitAsync();
            if (process.ExitCode != 0) throw new InvalidOperationException("espeak-ng failed: " + await process.StandardError.ReadToEndAsync());
            return await File.ReadAllBytesAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
