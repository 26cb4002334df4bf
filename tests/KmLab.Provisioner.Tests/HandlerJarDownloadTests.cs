using System.IO.Compression;
using KmLab.Provisioner.Prepare;

namespace KmLab.Provisioner.Tests;

/// <summary><c>prepare</c> fetches WSO2's notification handler jar from a Maven repository (here one on loopback, in
/// Maven's layout), checks it against the repository's <c>.sha1</c>, keeps it in the state folder and puts it into IS's
/// dropins; whatever goes wrong is one warning line, revocation stays unwired and prepare still succeeds.</summary>
public sealed class HandlerJarDownloadTests
{
    private const string Jar = "wso2is.notification.event.handlers-2.1.3.jar";

    /// <summary>The jar's path in Maven's layout under the repository (groupId org.wso2.km.ext.wso2is).</summary>
    private const string JarPath = "/nexus/content/repositories/releases/org/wso2/km/ext/wso2is/wso2is.notification.event.handlers/2.1.3/" + Jar;

    [Fact]
    public void Prepare_fetches_the_documented_jar_checks_its_sha1_keeps_it_and_wires_revocation()
    {
        using var lab = new TempLab();
        using var maven = new LocalMaven();
        var jar = SomeJar();
        maven.Publish("2.1.3", jar);

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--maven-repository", maven.Url.AbsoluteUri]);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal("", result.Error);
        Assert.Equal([JarPath + ".sha1", JarPath], maven.Requests);
        var dropped = Path.Combine(LabLayout.DropinsDirectory(lab.Layout.IdentityServerVolume), Jar);
        Assert.Equal(jar, File.ReadAllBytes(dropped));
        Assert.Equal(jar, File.ReadAllBytes(Path.Combine(lab.Root, "downloads", Jar)));
        if (!OperatingSystem.IsWindows()) // IS's user reads it as "other" when prepare does not run as root
            Assert.True(File.GetUnixFileMode(dropped).HasFlag(UnixFileMode.OtherRead));
        Assert.Contains($"token revocation: wired ({Jar} in IS's dropins;", result.Output);
        Assert.Contains("org.wso2.is.notification.ApimOauthEventInterceptor", File.ReadAllText(LabLayout.DeploymentToml(lab.Layout.IdentityServerVolume)));
    }

    [Fact]
    public void A_later_run_offline_uses_the_kept_jar_and_restores_it_into_the_dropins()
    {
        using var lab = new TempLab();
        using (var maven = new LocalMaven())
        {
            maven.Publish("2.1.3", SomeJar());
            Assert.Equal(0, Tools.Provisioner(["prepare", "--state", lab.Root, "--maven-repository", maven.Url.AbsoluteUri]).ExitCode);
        }
        var dropped = Path.Combine(LabLayout.DropinsDirectory(lab.Layout.IdentityServerVolume), Jar);
        var again = Tools.Provisioner(["prepare", "--state", lab.Root]); // the repository is gone: a closed port
        File.Delete(dropped);

        var restored = Tools.Provisioner(["prepare", "--state", lab.Root]);

        Assert.Equal(0, again.ExitCode);
        Assert.Equal("", again.Error);
        Assert.Contains("no file changed", again.Output);
        Assert.Equal(0, restored.ExitCode);
        Assert.Equal("", restored.Error);
        Assert.Contains($"written: {Path.Combine("is7", "repository", "components", "dropins", Jar)}", restored.Output);
        Assert.Contains("token revocation: wired", restored.Output);
    }

    [Fact]
    public void Each_APIM_version_fetches_the_handler_version_WSO2_documents_for_it()
    {
        using var lab = new TempLab();
        using var maven = new LocalMaven();

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--apim-version", "4.3.0", "--maven-repository", maven.Url.AbsoluteUri]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("/nexus/content/repositories/releases/org/wso2/km/ext/wso2is/wso2is.notification.event.handlers/2.0.2/wso2is.notification.event.handlers-2.0.2.jar.sha1",
            Assert.Single(maven.Requests));
    }

    [Fact]
    public void A_jar_whose_sha1_does_not_match_is_not_kept_and_revocation_is_not_wired()
    {
        using var lab = new TempLab();
        using var maven = new LocalMaven();
        maven.Publish("2.1.3", SomeJar(), sha1: new string('0', 40));

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--maven-repository", maven.Url.AbsoluteUri]);

        Assert.Equal(0, result.ExitCode);
        var warning = Assert.Single(Lines(result.Error));
        Assert.StartsWith($"warning: token revocation not wired: could not fetch {maven.Url}org/wso2/km/ext/wso2is/wso2is.notification.event.handlers/2.1.3/{Jar} (checksum mismatch", warning);
        Assert.Contains(LabLayout.DropinsDirectory(lab.Layout.IdentityServerVolume), warning);
        AssertNoJarAnywhere(lab);
        Assert.Contains("token revocation: not wired", result.Output);
    }

    [Fact]
    public void A_jar_the_repository_does_not_have_is_one_warning_naming_the_404()
    {
        using var lab = new TempLab();
        using var maven = new LocalMaven();

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--maven-repository", maven.Url.AbsoluteUri]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("(HTTP 404 NotFound); download " + Jar + " yourself and put it into ", Assert.Single(Lines(result.Error)));
        AssertNoJarAnywhere(lab);
        Assert.Contains("token revocation: not wired", result.Output);
    }

    [Fact]
    public void Without_network_prepare_warns_once_and_goes_on()
    {
        using var lab = new TempLab();
        var closed = LocalMaven.ClosedPortUrl();

        var result = Tools.Provisioner(["prepare", "--state", lab.Root],
            environment: new Dictionary<string, string> { [HandlerJarDownload.RepositoryVariable] = closed });

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith($"warning: token revocation not wired: could not fetch {closed}", Assert.Single(Lines(result.Error)));
        AssertNoJarAnywhere(lab);
        Assert.True(File.Exists(lab.Layout.CaCertificate));
    }

    [Fact]
    public void An_unreachable_repository_is_not_asked_again_within_the_hour_unless_another_one_is_named_or_the_mark_deleted()
    {
        using var lab = new TempLab();
        var closed = LocalMaven.ClosedPortUrl();
        Dictionary<string, string> Repository(string url) => new() { [HandlerJarDownload.RepositoryVariable] = url };

        var first = Tools.Provisioner(["prepare", "--state", lab.Root], environment: Repository(closed));
        var mark = Path.Combine(HandlerJarDownload.CacheDirectory(lab.Layout), HandlerJarDownload.UnreachableFileName("2.1.3"));
        Assert.True(File.Exists(mark), "a repository that did not answer is kept in the state folder");

        var second = Tools.Provisioner(["prepare", "--state", lab.Root], environment: Repository(closed));
        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        var warning = Assert.Single(Lines(second.Error));
        Assert.StartsWith($"warning: token revocation not wired: {closed}", warning);
        Assert.Contains($"is not asked again before", warning);
        Assert.Contains($"(delete {mark} to ask now)", warning);

        // Another repository is asked at once, and so is the same one once the mark is gone.
        using var maven = new LocalMaven();
        maven.Publish("2.1.3", SomeJar());
        var other = Tools.Provisioner(["prepare", "--state", lab.Root], environment: Repository(maven.Url.AbsoluteUri));
        Assert.Equal(0, other.ExitCode);
        Assert.Contains("token revocation: wired", other.Output);

        using var again = new TempLab();
        Tools.Provisioner(["prepare", "--state", again.Root], environment: Repository(closed));
        File.Delete(Path.Combine(HandlerJarDownload.CacheDirectory(again.Layout), HandlerJarDownload.UnreachableFileName("2.1.3")));
        var retried = Tools.Provisioner(["prepare", "--state", again.Root], environment: Repository(closed));
        Assert.StartsWith($"warning: token revocation not wired: could not fetch {closed}", Assert.Single(Lines(retried.Error)));
    }

    [Fact]
    public void A_jar_the_user_put_into_the_dropins_is_kept_and_nothing_is_fetched()
    {
        using var lab = new TempLab();
        using var maven = new LocalMaven();
        maven.Publish("2.1.3", SomeJar());
        var dropins = LabLayout.DropinsDirectory(lab.Layout.IdentityServerVolume);
        Directory.CreateDirectory(dropins);
        File.WriteAllBytes(Path.Combine(dropins, "wso2is.notification.event.handlers-2.0.5.jar"), SomeJar());

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--maven-repository", maven.Url.AbsoluteUri]);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(maven.Requests);
        Assert.False(File.Exists(Path.Combine(dropins, Jar)));
        Assert.Contains("token revocation: wired (wso2is.notification.event.handlers-2.0.5.jar", result.Output);
    }

    [Fact]
    public void A_repository_that_is_not_an_http_URL_is_one_error_line_and_writes_nothing()
    {
        using var lab = new TempLab();

        var result = Tools.Provisioner(["prepare", "--state", lab.Root, "--maven-repository", "ftp://maven.example/releases"]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal($"error: --maven-repository 'ftp://maven.example/releases' is not an http(s) URL; give the URL of a Maven repository (default {HandlerJarDownload.DefaultRepository}).",
            Assert.Single(Lines(result.Error)));
        Assert.False(Directory.Exists(lab.Root));
    }

    private static void AssertNoJarAnywhere(TempLab lab)
    {
        Assert.Empty(Directory.EnumerateFiles(lab.Root, "*.jar", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(lab.Root, "*.tmp", SearchOption.AllDirectories));
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A small, real zip (a jar's container format), different on each call.</summary>
    private static byte[] SomeJar()
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        using (var writer = new StreamWriter(zip.CreateEntry("META-INF/MANIFEST.MF").Open()))
            writer.Write($"Manifest-Version: 1.0\nBundle-SymbolicName: wso2is.notification.event.handlers\nX-Test: {Guid.NewGuid()}\n");
        return stream.ToArray();
    }
}
