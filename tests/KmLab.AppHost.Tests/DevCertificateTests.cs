using System.Diagnostics;
using KmLab.AppHost.Lab;

namespace KmLab.AppHost.Tests;

/// <summary>The https launch profile on a machine without a trusted developer certificate: one line naming the
/// one-time step, not Kestrel's stack trace. The default http profile needs no certificate at all.</summary>
public sealed class DevCertificateTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("http://localhost:15000")]
    public void The_http_profile_needs_no_certificate(string? urls)
    {
        Assert.Null(DevCertificate.MissingStep(urls, sslCertDir: null));
    }

    [Fact]
    public async Task The_https_profile_for_a_new_user_stops_with_one_line_naming_the_step()
    {
        // A new user: a home with no certificate store, no user secrets, no dev-certs folder.
        var home = Directory.CreateTempSubdirectory("kmlab-fresh-home-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "KmLab.AppHost.dll")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["HOME"] = home;
            start.Environment["DOTNET_CLI_HOME"] = home;
            // What `dotnet run --launch-profile https` sets from launchSettings.json.
            start.Environment["ASPNETCORE_URLS"] = "https://localhost:17000;http://localhost:15000";
            start.Environment.Remove("SSL_CERT_DIR");
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(1, process.ExitCode);
            Assert.Equal("", (await output).Trim());
            Assert.Equal(
                "error: the https profile needs a trusted developer certificate: run `dotnet dev-certs https --trust` once, " +
                "or run the http profile, which needs no certificate: dotnet run --project AppHost",
                (await errors).Trim());
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
