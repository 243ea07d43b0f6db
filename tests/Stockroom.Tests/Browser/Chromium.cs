using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Stockroom.Tests.Browser;

/// <summary>
/// The machine's Chromium, headless and driven by Playwright, shared by a test class; pages open at
/// a desktop width (1,280 px) or a phone's (390 px). <see cref="AssertAccessibleAsync"/> runs axe-core
/// (bundled in Deque.AxeCore.Commons, nothing is fetched) and <see cref="ScreenshotAsync"/> keeps a
/// picture of the page under <c>artifacts/screenshots</c>.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";
    public const int Desktop = 1280;
    public const int Phone = 390;

    // Root in CI, and a machine without a network: no sandbox, no background traffic.
    public static readonly string[] Arguments = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started.");

    public async ValueTask InitializeAsync()
    {
        Assert.True(File.Exists(ExecutablePath), $"Chromium is needed at {ExecutablePath} for the browser tests: apt-get install -y chromium");
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = ExecutablePath, Headless = true, Args = Arguments });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>Opens <paramref name="path"/> of the server at <paramref name="width"/> px and checks it answered 200.</summary>
    public async Task<IPage> OpenAsync(HttpClient server, string path, int width = Desktop)
    {
        ArgumentNullException.ThrowIfNull(server);
        var page = await Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = width, Height = width == Phone ? 844 : 900 } });
        var response = await page.GotoAsync(new Uri(server.BaseAddress!, path).ToString());
        Assert.Equal(200, response!.Status);
        return page;
    }

    /// <summary>
    /// Waits until the page stands at an address matching <paramref name="glob"/> (<c>**</c> any text,
    /// <c>*</c> any text without a slash, everything else literal) and its document has loaded.
    /// </summary>
    /// <remarks>
    /// Not <c>WaitForURLAsync</c>: when the address already matches, it checks the load state and then
    /// subscribes to it, and an event delivered in between is lost, so a busy machine times it out
    /// (playwright-dotnet#3364). <c>ToHaveURLAsync</c> is polled in the browser, and a load state
    /// that fired is recorded, so asking again finds it.
    /// </remarks>
    public static async Task ArriveAsync(IPage page, string glob)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(glob);
        var pattern = string.Join(".*", glob.Split("**").Select(part => string.Join("[^/]*", part.Split('*').Select(Regex.Escape))));
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"^{pattern}$"), new PageAssertionsToHaveURLOptions { Timeout = 30_000 });
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await page.WaitForLoadStateAsync(LoadState.Load, new PageWaitForLoadStateOptions { Timeout = 1_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 30)
            {
            }
        }
    }

    /// <summary>
    /// No serious or critical axe-core violation on the page as it stands (WCAG 2.1 A and AA rules and
    /// best practices); the failure names each rule, its help and the elements.
    /// </summary>
    public static async Task AssertAccessibleAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
        });
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"{page.Url}: " + string.Join("; ", serious.Select(v =>
            $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
    }

    /// <summary>Nothing but a table's own scroll box is wider than the window: the page needs no sideways scrolling.</summary>
    public static async Task AssertFitsWidthAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"{page.Url} is {overflow} px wider than the {page.ViewportSize?.Width} px window.");
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        var folder = ScreenshotFolder();
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}.png"), FullPage = true });
    }

    /// <summary>artifacts/screenshots at the top of the repository.</summary>
    private static string ScreenshotFolder()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Stockroom.slnx")))
        {
            folder = folder.Parent;
        }

        return Path.Combine(folder?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
    }
}
