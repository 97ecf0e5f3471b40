using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Telemetry;

/// <summary>
/// The web app with telemetry switched on, as an operator would run it: real uploads, refusals and hub connections,
/// then what a Prometheus server scrapes from the app's own loopback port, and what an OTLP collector receives.
/// Both tests sit in one class (run one after the other) because a MeterProvider listens to every "Storytelling"
/// meter in the test process, and two apps' queue gauges would add up. The class runs while no other test does: in
/// OpenTelemetry .NET, identical instruments of same-named meters share one metric stream, and another test app
/// disposing its meter ends that stream for this app too (open-telemetry/opentelemetry-dotnet#6412) — twice in a full
/// run the OTLP test then never received its own refusal. One app per process, as in production, is not affected.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class WebTelemetryTests(MediaCorpus corpus) : IClassFixture<MediaCorpus>
{
    private const string Email = "fatima.ouaziz@example.org";
    private const string PersonName = "Fatima Ouaziz";
    private const string ProjectName = "Wijkproject Lombok";

    private sealed record World(TestApp App, Project Project, Guid PersonId, HttpClient Facilitator, string Token);

    private static async Task<World> WorldAsync(Dictionary<string, string?> settings)
    {
        var app = await new TestApp(settings).MigrateAsync();
        var person = await app.CreatePersonAsync(Email, name: PersonName);
        var project = await app.CreateProjectAsync(ProjectName, (person.Id, ProjectRole.Begeleider));
        var facilitator = await app.SignedInClientAsync(Email);
        var link = await facilitator.PostAsJsonAsync($"/api/projects/{project.Id}/invitations", new { kind = "Capture", role = "Bewoner" });
        var url = (await link.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("url").GetString()!;
        return new World(app, project, person.Id, facilitator, url[(url.LastIndexOf('/') + 1)..]);
    }

    private static HttpClient Phone(TestApp app)
    {
        var phone = app.AnonymousClient();
        phone.DefaultRequestHeaders.AcceptLanguage.Add(new StringWithQualityHeaderValue("nl"));
        return phone;
    }

    private static async Task<HttpResponseMessage> StartUploadAsync(HttpClient phone, string token, long size, bool consent = true) =>
        await phone.PostAsJsonAsync($"/api/capture/{token}/uploads", new
        {
            sizeBytes = size, mediaType = "audio/mp4", language = "nl",
            consent = new { analysis = consent, quotesInReports = true, audioInWorkshops = false },
        });

    private static async Task<string> UploadIdAsync(HttpResponseMessage created) =>
        (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("uploadId").GetString()!;

    private static async Task PutAsync(HttpClient phone, string uploadId, long offset, byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var response = await phone.PutAsync($"/api/uploads/{uploadId}/chunks?offset={offset}", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Prometheus_on_its_own_port_shows_uploads_refusals_queue_and_workshop_connections_without_personal_data()
    {
        var port = Scrape.FreeLoopbackPort();
        var world = await WorldAsync(new()
        {
            ["Storytelling:Telemetry:PrometheusPort"] = port.ToString(CultureInfo.InvariantCulture),
            ["Storytelling:SignIn:AttemptsPerMinute"] = "3",
        });
        using var app = world.App;
        var phone = Phone(app);

        // The rate limiter's refusal: sign-in attempts beyond the limit (the facilitator's own sign-in counted too).
        var tries = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
            tries.Add((await app.AnonymousClient().PostAsJsonAsync("/api/account/login", new { email = Email, password = "wrong password" })).StatusCode);
        Assert.Contains(HttpStatusCode.TooManyRequests, tries);

        // A refusal the phone would show: no consent for analysis.
        var refused = await StartUploadAsync(phone, world.Token, 10, consent: false);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("consent_missing", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // A whole recording: its bytes arrive, a story and a queued transcription job appear.
        var recording = await File.ReadAllBytesAsync(corpus[MediaCorpus.M4a]);
        var created = await StartUploadAsync(phone, world.Token, recording.Length);
        var uploadId = await UploadIdAsync(created);
        for (var offset = 0; offset < recording.Length; offset += 64 * 1024)
            await PutAsync(phone, uploadId, offset, recording[offset..Math.Min(recording.Length, offset + 64 * 1024)]);
        var completed = await phone.PostAsync($"/api/uploads/{uploadId}/complete", null);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        var storyId = (await completed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("storyId").GetString()!;

        // A second phone is halfway.
        var halfway = await UploadIdAsync(await StartUploadAsync(phone, world.Token, 2 * 16 * 1024));
        await PutAsync(phone, halfway, 0, new byte[16 * 1024]);

        // A phone connected to the live workshop.
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, "/hubs/workshop"), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
            })
            .Build();
        await hub.StartAsync();

        // The queue gauges are sampled every QueueSampleInterval (15 s) on the app's clock.
        var scrape = await Scrape.UntilAsync(port,
            s => Scrape.Value(s, "storytelling_transcription_jobs", "state=\"queued\"") >= 1
                 && Scrape.Value(s, "storytelling_workshop_connections") >= 1,
            TimeSpan.FromSeconds(60), nudge: () => app.Time.Advance(TimeSpan.FromSeconds(15)));

        Assert.True(Scrape.Value(scrape, "storytelling_upload_received_bytes_total") >= recording.Length + 16 * 1024, scrape);
        Assert.True(Scrape.Value(scrape, "storytelling_refusals_total", "code=\"consent_missing\"", "http_response_status_code=\"400\"") >= 1, scrape);
        Assert.True(Scrape.Value(scrape, "storytelling_refusals_total", "code=\"rate_limited\"", "http_response_status_code=\"429\"") >= 1, scrape);
        Assert.Equal(1, Scrape.Value(scrape, "storytelling_transcription_jobs", "state=\"queued\""));
        Assert.Equal(0, Scrape.Value(scrape, "storytelling_transcription_jobs", "state=\"failed\""));
        Assert.True(Scrape.Value(scrape, "storytelling_transcription_queue_age_seconds") >= 15, scrape);
        Assert.Equal(1, Scrape.Value(scrape, "storytelling_uploads_in_flight"));
        Assert.True(Scrape.Value(scrape, "storytelling_workshop_connections") >= 1, scrape);
        // The instrumentation an operator expects beside ours: requests by route, the runtime.
        Assert.Contains("http_server_request_duration_seconds_bucket", scrape, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/api/capture/{token}/uploads\"", scrape, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_", scrape, StringComparison.Ordinal);

        // The public port does not serve the scrape.
        var onPublic = await phone.GetAsync("/metrics");
        Assert.NotEqual(HttpStatusCode.OK, onPublic.StatusCode);
        Assert.DoesNotContain("storytelling_", await onPublic.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        AssertImpersonal(scrape, world, storyId, uploadId, halfway);
    }

    [Fact]
    public async Task With_an_OTLP_endpoint_metrics_and_traces_reach_the_collector_without_ids_names_or_paths()
    {
        await using var collector = await OtlpCollector.StartAsync();
        var world = await WorldAsync(new()
        {
            ["Storytelling:Telemetry:OtlpEndpoint"] = collector.BaseAddress,
            ["Storytelling:Telemetry:OtlpExportInterval"] = "00:00:01",
        });
        var app = world.App;
        try
        {
            var phone = Phone(app);
            var refused = await StartUploadAsync(phone, world.Token, 10, consent: false);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var project = await world.Facilitator.GetAsync($"/api/projects/{world.Project.Id}");
            Assert.Equal(HttpStatusCode.OK, project.StatusCode);

            // Waits for everything asserted below, not for its first sign: the "Storytelling" meter is listened to by
            // name, so an export may carry another test app's refusal before this app's own is in one (seen once in CI).
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (DateTime.UtcNow < deadline
                   && !(ExpectedMetrics.All(m => collector.Received("/v1/metrics").Contains(m, StringComparison.Ordinal))
                        && ExpectedTraces.All(t => collector.Received("/v1/traces").Contains(t, StringComparison.Ordinal))))
                await Task.Delay(250);
        }
        finally
        {
            // Disposing flushes whatever the exporters still hold.
            app.Dispose();
        }

        var metrics = collector.Received("/v1/metrics");
        var traces = collector.Received("/v1/traces");
        Assert.All(ExpectedMetrics, m => Assert.Contains(m, metrics, StringComparison.Ordinal));
        Assert.All(ExpectedTraces, t => Assert.Contains(t, traces, StringComparison.Ordinal));
        Assert.All(collector.ContentTypes, t => Assert.Equal("application/x-protobuf", t));
        AssertImpersonal(metrics + traces, world);
    }

    private static readonly string[] ExpectedMetrics = ["storytelling.refusals", "consent_missing", "http.server.request.duration"];
    private static readonly string[] ExpectedTraces = ["storytelling-web", "/api/capture/{token}/uploads", "/api/projects/{projectId:guid}"];

    /// <summary>No id, name, address or path of the test's people and projects anywhere in what left the app.</summary>
    private static void AssertImpersonal(string exported, World world, params string[] moreIds)
    {
        string[] personal =
        [
            world.Project.Id.ToString(), world.Project.Id.ToString("N"), world.PersonId.ToString(), world.Token,
            Email, "example.org", PersonName, "Ouaziz", ProjectName, "Lombok", world.App.Folder, Path.GetTempPath().TrimEnd('/'),
            .. moreIds,
        ];
        foreach (var value in personal) Assert.DoesNotContain(value, exported, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A tiny OTLP/HTTP receiver on loopback: accepts protobuf bodies on /v1/metrics and /v1/traces and keeps them.</summary>
    private sealed class OtlpCollector : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly List<(string Path, byte[] Body)> _received = [];

        private OtlpCollector(WebApplication app) => _app = app;

        public string BaseAddress { get; private set; } = "";
        public List<string> ContentTypes { get; } = [];

        public static async Task<OtlpCollector> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var collector = new OtlpCollector(app);
            foreach (var path in new[] { "/v1/metrics", "/v1/traces" })
            {
                app.MapPost(path, async (HttpContext http) =>
                {
                    using var body = new MemoryStream();
                    await http.Request.Body.CopyToAsync(body);
                    lock (collector._received)
                    {
                        collector._received.Add((path, body.ToArray()));
                        collector.ContentTypes.Add(http.Request.ContentType ?? "");
                    }
                    return Results.Ok();
                });
            }
            await app.StartAsync();
            collector.BaseAddress = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            return collector;
        }

        /// <summary>Every body received on <paramref name="path"/>, as Latin-1 text: protobuf keeps strings as they are.</summary>
        public string Received(string path)
        {
            lock (_received) return string.Join("\n", _received.Where(r => r.Path == path).Select(r => Encoding.Latin1.GetString(r.Body)));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
