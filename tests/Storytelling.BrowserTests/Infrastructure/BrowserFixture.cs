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

    /// <summary>
    /// Waits until the page's address matches a Playwright-style glob (<c>**</c> anything, <c>*</c> anything but a
    /// slash), by polling the address. Instead of <c>WaitForURLAsync</c>, which also waits for that navigation's load
    /// event and once missed a navigation that had already finished (a 30 s wait on a page at the right address).
    /// </summary>
    public static Task WaitForAddressAsync(this IPage page, string glob)
    {
        var pattern = new System.Text.StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            if (glob[i] == '*' && i + 1 < glob.Length && glob[i + 1] == '*') { pattern.Append(".*"); i++; }
            else if (glob[i] == '*') pattern.Append("[^/]*");
            else pattern.Append(System.Text.RegularExpressions.Regex.Escape(glob[i].ToString()));
        }
        var regex = new System.Text.RegularExpressions.Regex(pattern.Append('$').ToString());
        return page.WaitForAddressAsync(regex.IsMatch, glob);
    }

    public static Task WaitForAddressAsync(this IPage page, System.Text.RegularExpressions.Regex address) =>
        page.WaitForAddressAsync(address.IsMatch, address.ToString());

    public static async Task WaitForAddressAsync(this IPage page, Func<string, bool> matches, string? what = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!matches(page.Url))
        {
            if (DateTime.UtcNow > deadline) throw new PlaywrightException($"The page did not reach {what ?? "the expected address"} in 30 s: still at {page.Url}.");
            await Task.Delay(50);
        }
        // The new document's markup is there (resolves at once when it already is).
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    }

    /// <summary>
    /// Signs in through the JSON login (the browser context's own cookie jar keeps the cookie) and opens the home page.
    /// Not through the login form: after its POST → redirect → home page, Playwright three times lost the next load
    /// event (30 s waits on a page already at "/", loaded and idle, the server answering in 78 ms), once in CI. The
    /// form itself is driven by FoundationPagesTests.
    /// </summary>
    public static async Task SignInAsync(this IPage page, string email, string password = TestApp.Password)
    {
        var response = await page.APIRequest.PostAsync("/api/account/login", new() { DataObject = new { email, password } });
        if (!response.Ok) throw new PlaywrightException($"Signing in as {email} was answered {response.Status}: {await response.TextAsync()}");
        await page.GotoAsync("/");
    }

    public static Task ScreenshotAsync(this IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotFolder, name + ".png"), FullPage = true });
}
