using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Storytelling.Tests.Infrastructure;

namespace Storytelling.BrowserTests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright against the real app on Kestrel at 127.0.0.1 (a random port).
/// Playwright's own browser download does not work on these machines, hence the fixed executable path.
/// </summary>
public class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    // Each class signs in many people from one address within a minute; the limit itself is tested in SignInLimitTests.
    public TestApp App { get; } = new(new Dictionary<string, string?> { [Storytelling.Web.Security.RateLimits.AttemptsSetting] = "1000" });
    public IBrowser Browser { get; private set; } = null!;
    public string BaseUrl { get; private set; } = "";
    public static string ScreenshotFolder { get; } = Path.Combine(Repo.Root, ".build", "screenshots");

    public virtual async Task InitializeAsync()
    {
        App.UseKestrel(0);
        App.StartServer();
        await App.MigrateAsync();
        var addresses = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal);

        var chromium = Environment.GetEnvironmentVariable("STORYTELLING_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(chromium)) throw new InvalidOperationException($"Chromium not found at {chromium}; infra/test.sh installs Debian's chromium package.");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                // A fake microphone (a beeping tone) and no permission prompt, so the capture page can really record.
                // Harmless for pages that never ask for media.
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", .. ExtraArguments()],
        });
        Directory.CreateDirectory(ScreenshotFolder);
    }

    /// <summary>More Chromium switches for a fixture that needs them (e.g. a spoken recording instead of the beep).</summary>
    protected virtual IEnumerable<string> ExtraArguments() => [];

    /// <summary>A fresh browser profile at the given width; 390 × 844 is a common cheap phone.</summary>
    /// <param name="microphone">Grants the microphone permission, for pages that record (the fake device above).</param>
    public async Task<IPage> NewPageAsync(int width = 390, int height = 844, string locale = "nl-NL", bool microphone = false)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = locale,
            IsMobile = width < 600,
            HasTouch = width < 600,
            Permissions = microphone ? ["microphone"] : [],
        });
        return await context.NewPageAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        _playwright?.Dispose();
        App.Dispose();
    }
}

public static class PageChecks
{
    /// <summary>Runs axe in the page and fails on any serious or critical violation, naming them.</summary>
    public static async Task AssertAccessibleAsync(this IPage page)
    {
        AxeResult result = await page.RunAxe();
        var bad = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, $"axe on {page.Url}: " + string.Join("; ", bad.Select(v =>
            $"{v.Impact} {v.Id} ({v.Help}) at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }

    private static readonly System.Text.RegularExpressions.Regex HomePage = new("^https?://[^/]+/$");

    /// <summary>Signs in through the real login page and waits for the home page.</summary>
    public static async Task SignInAsync(this IPage page, string email, string password = TestApp.Password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("E-mailadres").FillAsync(email);
        await page.GetByLabel("Wachtwoord").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Inloggen" }).ClickAsync();
        try
        {
            // The address itself, polled: WaitForURLAsync also waits for a load event of that navigation, and twice
            // (once in CI) it waited 30 s on a page that was already at "/", loaded, and idle.
            await Assertions.Expect(page).ToHaveURLAsync(HomePage, new() { Timeout = 30_000 });
        }
        catch (PlaywrightException e)
        {
            // Say what the page shows, whether the server still answers, and how its thread pool (in this process)
            // looks, to tell a refused sign-in from a stuck request.
            var alerts = string.Join(" | ", await page.Locator("[role=alert]").AllInnerTextsAsync());
            var probe = System.Diagnostics.Stopwatch.StartNew();
            string health;
            try { health = $"{(await page.APIRequest.GetAsync("/health/ready", new() { Timeout = 10_000 })).Status} in {probe.ElapsedMilliseconds} ms"; }
            catch (Exception probeError) { health = $"no answer in {probe.ElapsedMilliseconds} ms ({probeError.GetType().Name})"; }
            throw new PlaywrightException($"Signing in did not reach the home page: still at {page.Url}; alerts: '{alerts}'; /health/ready: {health}; " +
                $"thread pool: {ThreadPool.ThreadCount} threads, {ThreadPool.PendingWorkItemCount} work items queued, {ThreadPool.CompletedWorkItemCount} done.", e);
        }
    }

    public static Task ScreenshotAsync(this IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotFolder, name + ".png"), FullPage = true });
}
