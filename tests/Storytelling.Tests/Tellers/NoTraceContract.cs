using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Storytelling.Core.Analysis;
using Storytelling.Core.Projects;
using Storytelling.Core.Storage;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.Tests.Tellers;

/// <summary>
/// "Withdrawal leaves no trace", on each database and store: after a teller withdraws, no row of any table holds the
/// story's words or (outside the audit log) its id, and the store holds neither its blob nor its bytes. A second
/// story stays untouched, so the scans are shown to find what is there.
/// </summary>
public abstract class NoTraceContract : IAsyncLifetime
{
    protected TestApp App { get; private set; } = null!;
    private Guid _projectId;
    private Guid _themeId;
    private Guid _facilitatorId;

    protected abstract IDictionary<string, string?> Settings();
    /// <summary>Every string value in every column of every table (and, where the database is a file, nothing else).</summary>
    protected abstract Task<List<(string Table, string Value)>> AllTextAsync();
    /// <summary>The database's own files, when it has them (SQLite): scanned byte by byte.</summary>
    protected abstract IEnumerable<string> DatabaseFiles();
    /// <summary>Every blob in the store: name and bytes (staged blocks included where the store has them).</summary>
    protected abstract Task<List<(string Name, byte[] Bytes)>> AllBlobsAsync();

    public virtual async Task InitializeAsync()
    {
        App = new TestApp(Settings());
        await App.MigrateAsync();
        _facilitatorId = (await App.CreatePersonAsync($"begeleider-{Guid.NewGuid():N}@example.org")).Id;
        _projectId = (await App.CreateProjectAsync("Werk in Houten", (_facilitatorId, ProjectRole.Begeleider))).Id;
        await App.WithDbAsync(async db =>
        {
            var theme = new Theme { ProjectId = _projectId, Name = "Erbij horen", Colour = "#1F77B4", CreatedAt = App.Time.GetUtcNow() };
            db.Themes.Add(theme);
            await db.SaveChangesAsync();
            _themeId = theme.Id;
        });
    }

    public virtual Task DisposeAsync()
    {
        App.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Withdrawal_leaves_no_trace_in_any_row_file_or_blob()
    {
        var withdrawn = await TellerSeed.StoryAsync(App, _projectId, _themeId, _facilitatorId, "Quibbelwaard", seed: 11);
        var kept = await TellerSeed.StoryAsync(App, _projectId, _themeId, _facilitatorId, "Tranqelbosch", seed: 12);

        var teller = App.AnonymousClient();
        var (entered, _) = await TellerSeed.EnterCodeAsync(teller, withdrawn.Code);
        Assert.Equal(HttpStatusCode.Redirect, entered.StatusCode);
        var corrected = "Bij Zwelgenhorst leerde ik dat mijn handen en mijn hoofd ertoe doen.";
        Assert.Equal(HttpStatusCode.Redirect, (await TellerSeed.CorrectAsync(teller, 1, 1, corrected)).StatusCode);
        // Before: the words are in the database, so the scans below can see them.
        Assert.Contains(await AllTextAsync(), r => r.Value.Contains(corrected, StringComparison.Ordinal));
        Assert.Contains(await AllBlobsAsync(), b => b.Name == withdrawn.BlobName);

        var gone = await TellerSeed.WithdrawAsync(teller);
        Assert.Equal(HttpStatusCode.OK, gone.StatusCode);

        var rows = await AllTextAsync();
        foreach (var word in new[] { corrected, "Quibbelwaard" })
            Assert.DoesNotContain(rows, r => r.Value.Contains(word, StringComparison.Ordinal));
        // The kept story's copy of the sentence is still there: the scan works.
        Assert.Contains(rows, r => r.Value.Contains("Tranqelbosch", StringComparison.Ordinal));
        var id = withdrawn.Id.ToString();
        Assert.DoesNotContain(rows, r => r.Table != "AuditLog" && r.Value.Contains(id, StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(rows, r => r.Value.Contains(withdrawn.Code, StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Value.Contains(withdrawn.BlobName, StringComparison.Ordinal));

        foreach (var file in DatabaseFiles().Where(File.Exists))
        {
            byte[] bytes;
            await using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                bytes = new byte[stream.Length];
                await stream.ReadExactlyAsync(bytes);
            }
            Assert.True(IndexOf(bytes, Encoding.UTF8.GetBytes("mijn hoofd ertoe")) < 0, $"the corrected words remain in {Path.GetFileName(file)}");
            // Words only the withdrawn story held, as stored text and as a search-index term (lower case, no accents).
            Assert.True(IndexOf(bytes, Encoding.UTF8.GetBytes("Quibbelwaard")) < 0, $"the first segment remains in {Path.GetFileName(file)}");
            Assert.True(IndexOf(bytes, Encoding.UTF8.GetBytes("quibbelwaard")) < 0, $"a search term of the withdrawn story remains in {Path.GetFileName(file)}");
            Assert.True(IndexOf(bytes, Encoding.UTF8.GetBytes(withdrawn.Code)) < 0, $"the receipt code remains in {Path.GetFileName(file)}");
        }

        var blobs = await AllBlobsAsync();
        Assert.DoesNotContain(blobs, b => b.Name == withdrawn.BlobName);
        var probe = withdrawn.Audio.AsSpan(withdrawn.Audio.Length / 2, 64).ToArray();
        Assert.DoesNotContain(blobs, b => IndexOf(b.Bytes, probe) >= 0);
        var keptProbe = kept.Audio.AsSpan(kept.Audio.Length / 2, 64).ToArray();
        Assert.Contains(blobs, b => IndexOf(b.Bytes, keptProbe) >= 0);

        await App.WithDbAsync(async db =>
        {
            var audit = await db.AuditLog.Where(a => a.SubjectId == withdrawn.Id).Select(a => a.Action).ToListAsync();
            Assert.Contains("story.withdrawn", audit);
            Assert.Empty(await db.PendingBlobDeletions.ToListAsync());
            // The withdrawn story's fragment left the spotlight; the kept story's is still in it.
            Assert.Equal(1, await db.WorkshopSessions.CountAsync(w => w.SpotlightCodingId != null));
        });

        // The code no longer opens anything.
        var (again, html) = await TellerSeed.EnterCodeAsync(App.AnonymousClient(), withdrawn.Code);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Contains("Deze code kennen we niet", html, StringComparison.Ordinal);
    }

    protected static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

    protected static async Task<List<(string Name, byte[] Bytes)>> FilesUnderAsync(string root)
    {
        var result = new List<(string, byte[])>();
        if (!Directory.Exists(root)) return result;
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
            result.Add((Path.GetRelativePath(root, file).Replace('\\', '/'), await File.ReadAllBytesAsync(file)));
        return result;
    }

    protected IMediaStore Store => App.Services.GetRequiredService<IMediaStore>();
}
