using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Projects;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Transcripts;

/// <summary>
/// A project with a person in each role, a second project with the smallest size limit (1 MB), and audio made by
/// ffmpeg at start-up: 8 s of tone (small) and 40 s (1.3 MB, over the small project's limit).
/// </summary>
public sealed class ImportWorld : IAsyncLifetime
{
    public const long AudioMs = 8_000;

    public TestApp App { get; } = new();
    public Guid ProjectId { get; private set; }
    public Guid SmallProjectId { get; private set; }
    public Dictionary<string, Guid> People { get; } = [];
    public Dictionary<string, HttpClient> Clients { get; } = [];
    public string Folder { get; } = Repo.NewTempFolder("import-audio");
    public byte[] Audio { get; private set; } = [];
    public byte[] LongAudio { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var wav = Path.Combine(Folder, "tone.wav");
        var longWav = Path.Combine(Folder, "long.wav");
        await FfmpegAsync("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=8", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav", wav);
        await FfmpegAsync("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=16000:duration=40", "-ac", "1", "-c:a", "pcm_s16le", "-f", "wav", longWav);
        Audio = await File.ReadAllBytesAsync(wav);
        LongAudio = await File.ReadAllBytesAsync(longWav);

        await App.MigrateAsync();
        foreach (var caller in new[] { "begeleider", "beleidsmedewerker", "bewoner", "interviewer", "beheerder", "outsider" })
            People[caller] = (await App.CreatePersonAsync($"{caller}-{Guid.NewGuid():N}@example.org", name: caller)).Id;
        var project = await App.CreateProjectAsync("Verhalen van vroeger",
            (People["begeleider"], ProjectRole.Begeleider), (People["beleidsmedewerker"], ProjectRole.Beleidsmedewerker),
            (People["bewoner"], ProjectRole.Bewoner), (People["interviewer"], ProjectRole.Interviewer), (People["beheerder"], ProjectRole.Beheerder));
        ProjectId = project.Id;
        SmallProjectId = (await App.CreateProjectAsync("Klein", (People["begeleider"], ProjectRole.Begeleider))).Id;
        await App.CreateProjectAsync("Elders", (People["outsider"], ProjectRole.Begeleider));
        await App.WithDbAsync(async db =>
        {
            (await db.Projects.FindAsync(ProjectId))!.AllowedLanguages = ["nl", "ar"];
            (await db.Projects.FindAsync(SmallProjectId))!.MaxRecordingBytes = 1024 * 1024;
            await db.SaveChangesAsync();
        });
        foreach (var (caller, id) in People)
        {
            var email = "";
            await App.WithDbAsync(async db => email = (await db.Users.FindAsync(id))!.Email!);
            Clients[caller] = await App.SignedInClientAsync(email);
        }
        Clients["anonymous"] = App.AnonymousClient();
    }

    /// <summary>Every file under the media store's root: what "nothing left behind" is measured by.</summary>
    public int StoredFiles()
    {
        var root = App.Services.GetRequiredService<IConfiguration>()["Storytelling:Storage:DiskStore:RootPath"]!;
        return Directory.Exists(root) ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Count() : 0;
    }

    private static async Task FfmpegAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-nostdin", "-v", "error", "-y", .. arguments]) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException("ffmpeg failed: " + error);
    }

    public Task DisposeAsync()
    {
        foreach (var c in Clients.Values) c.Dispose();
        App.Dispose();
        Repo.DeleteFolder(Folder);
        return Task.CompletedTask;
    }
}
