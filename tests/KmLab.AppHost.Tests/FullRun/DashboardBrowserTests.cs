using KmLab.Hosting;
using Microsoft.Playwright;

namespace KmLab.AppHost.Tests.FullRun;

/// <summary>The running lab's dashboard, read in a real browser: Debian's chromium driven by Playwright (which never
/// downloads a browser of its own here). The screenshot stays in the test results folder.</summary>
[Collection(PersistentLabCollection.Name)]
public sealed class DashboardBrowserTests(PersistentLab lab)
{
    /// <summary>The system chromium (apt-get install chromium); KMLAB_CHROMIUM names another.</summary>
    private static string Chromium => Environment.GetEnvironmentVariable("KMLAB_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    // Flags for a headless chromium in a container: no sandbox (root), no GPU, nothing phoning home.
    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

    private static readonly float Wait = (float)TimeSpan.FromSeconds(90).TotalMilliseconds;

    [Fact]
    public async Task The_dashboard_shows_each_resource_with_its_state_and_the_portal_and_lab_ca_links()
    {
        var run = lab.Require().Second;
        var dashboard = run.DashboardLogin ?? throw new InvalidOperationException("the lab runs without its dashboard");
        if (!File.Exists(Chromium))
            FullRunGate.ThrowIfUnavailable($"no browser at {Chromium} (apt-get install chromium)");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
        try
        {
            // The login token is kept: without it the dashboard asks for one.
            await page.GotoAsync(dashboard.Url.ToString());
            await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"), new() { Timeout = Wait });

            await page.GotoAsync(dashboard.LoginUrl.ToString());
            foreach (var (resource, state) in new[]
                     {
                         (Preflight.ResourceName, "Finished"), ("prepare", "Finished"), ("is7", "Running"), ("apim", "Running"), ("register", "Finished"),
                     })
            {
                await Assertions.Expect(Row(page, resource)).ToContainTextAsync(state, new() { Timeout = Wait });
            }

            // The lab needs no developer certificate (its servers present the lab CA's): no red notification about one,
            // although this machine's user has none.
            await Assertions.Expect(page.GetByText("No trusted development certificate")).ToHaveCountAsync(0);

            var apim = Row(page, "apim");
            await Assertions.Expect(apim.GetByRole(AriaRole.Link, new() { Name = "APIM Admin Portal" }))
                .ToHaveAttributeAsync("href", "https://localhost:9443/admin");
            await Assertions.Expect(Row(page, "is7").GetByRole(AriaRole.Link, new() { Name = "IS Console" }))
                .ToHaveAttributeAsync("href", "https://localhost:9444/console");

            // The lab CA comes first among both servers' links.
            foreach (var server in new[] { "is7", "apim" })
            {
                await Assertions.Expect(Row(page, server).GetByRole(AriaRole.Link, new() { Name = ProvisionerSteps.LabCaLinkText }))
                    .ToHaveAttributeAsync("href", new Uri(lab.Layout.CaCertificate).AbsoluteUri);
            }
        }
        finally
        {
            var shot = Path.Combine(ResultsFolder(), "dashboard.png");
            await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
            TestContext.Current.AddAttachment("dashboard screenshot", await File.ReadAllBytesAsync(shot, TestContext.Current.CancellationToken), "image/png");
            TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {shot}");
        }
    }

    /// <summary>The grid row of a resource, by its accessible name: "&lt;type&gt;: &lt;name&gt; &lt;state&gt; ...".</summary>
    private static ILocator Row(IPage page, string resource) =>
        page.GetByRole(AriaRole.Row, new() { NameRegex = new System.Text.RegularExpressions.Regex($"^\\w+: {resource} ") });

    /// <summary>Microsoft.Testing.Platform's results folder (TestResults beside the test assembly unless told otherwise).</summary>
    private static string ResultsFolder()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
