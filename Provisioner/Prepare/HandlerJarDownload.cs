using System.Net;
using System.Security.Cryptography;

namespace KmLab.Provisioner.Prepare;

/// <summary>WSO2's notification handler jar as fetched (checksum verified) or as cached by an earlier run.</summary>
public sealed record HandlerJar(string FileName, byte[] Bytes);

/// <summary>A repository that could not be reached, kept in the state folder so that the runs of the next
/// <see cref="HandlerJarDownload.RetryAfter"/> do not wait for the network again.</summary>
public sealed record UnreachableRepository(string FileName, Uri Repository, DateTimeOffset At, string Reason)
{
    public string Text => $"{Repository.AbsoluteUri}\n{At.UtcDateTime:O}\n{Reason}\n";

    public static UnreachableRepository? Parse(string fileName, string text) =>
        text.Split('\n') is [var repository, var at, var reason, ..]
        && Uri.TryCreate(repository, UriKind.Absolute, out var uri)
        && DateTimeOffset.TryParse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var when)
            ? new(fileName, uri, when, reason)
            : null;
}

/// <summary>Fetches WSO2's notification handler jar (<c>wso2is.notification.event.handlers</c>, which IS needs in its
/// dropins to tell APIM about revoked tokens) from WSO2's Maven repository, as WSO2's docs and integration harness
/// do: wso2/docs-apim@03bfc5fa4d8d7450eb42d8efc0b0a6f0e468c150:en/docs/api-security/key-management/third-party-key-managers/configure-wso2is7-connector.md
/// (step 3, the 4.7.0 page) links the jar under <see cref="DefaultRepository"/> in Maven's layout. Its checksum is the
/// <c>.sha1</c> the repository publishes beside it. A jar that cannot be fetched or verified is a warning, never a
/// failure: prepare goes on without revocation and nothing of the jar is written.</summary>
public static class HandlerJarDownload
{
    /// <summary>Overrides <see cref="DefaultRepository"/> (a mirror, or a local server in tests).</summary>
    public const string RepositoryVariable = "KMLAB_WSO2_MAVEN_URL";

    /// <summary>WSO2's public Maven repository of releases (the docs page above).</summary>
    public static readonly Uri DefaultRepository = new("https://maven.wso2.org/nexus/content/repositories/releases/");

    /// <summary>The artifact's Maven coordinates (wso2-extensions/apim-km-wso2is,
    /// components/wso2is.notification.event.handlers/pom.xml: groupId org.wso2.km.ext.wso2is).</summary>
    public const string GroupPath = "org/wso2/km/ext/wso2is";

    public const string ArtifactId = "wso2is.notification.event.handlers";

    /// <summary>Both requests together; offline (no DNS, a closed port) they fail at once.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static string FileName(string version) => $"{ArtifactId}-{version}.jar";

    /// <summary>How long an unreachable repository is not asked again: a lab on a machine without network starts
    /// without waiting for a name lookup to fail each time.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromHours(1);

    public static string UnreachableFileName(string version) => FileName(version) + ".unreachable";

    /// <summary>Where prepare keeps the verified jar, beside the lab CA's folder, so a later run needs no network.</summary>
    public static string CacheDirectory(LabLayout layout) => Path.Combine(layout.Root, "downloads");

    public static Uri JarUrl(Uri repository, string version)
    {
        var root = repository.AbsoluteUri.EndsWith('/') ? repository : new Uri(repository.AbsoluteUri + "/");
        return new Uri(root, $"{GroupPath}/{ArtifactId}/{version}/{FileName(version)}");
    }

    /// <summary>The repository: the option's value, else <see cref="RepositoryVariable"/>, else WSO2's.</summary>
    public static Uri Repository(string? option)
    {
        var (value, source) = option is { Length: > 0 }
            ? (option, "--maven-repository")
            : (Environment.GetEnvironmentVariable(RepositoryVariable), RepositoryVariable);
        if (value is not { Length: > 0 })
            return DefaultRepository;
        return Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new LabException(ExitCodes.Usage, $"{source} '{value}' is not an http(s) URL; give the URL of a Maven repository (default {DefaultRepository}).");
    }

    /// <param name="Jar">The jar to put into IS's dropins, or null.</param>
    /// <param name="Warning">Why there is none although one was wanted, and how to supply it; null otherwise.</param>
    /// <param name="Unreachable">A repository that did not answer just now, for prepare to keep; null otherwise.</param>
    public sealed record Outcome(HandlerJar? Jar, string? Warning, UnreachableRepository? Unreachable = null);

    /// <summary>Nothing when IS's dropins already hold a handler jar (the user's choice stands); else the cached jar;
    /// else the jar fetched from <paramref name="repository"/> and checked against its <c>.sha1</c>.</summary>
    public static async Task<Outcome> FetchAsync(LabLayout layout, string version, Uri repository, TimeSpan timeout, CancellationToken ct)
    {
        var dropins = LabLayout.DropinsDirectory(layout.IdentityServerVolume);
        if (Directory.Exists(dropins) && Directory.EnumerateFiles(dropins, LabPreparer.RevocationNotifierJarPattern).Any())
            return new(null, null);
        var name = FileName(version);
        var cached = Path.Combine(CacheDirectory(layout), name);
        if (File.Exists(cached))
            return new(new HandlerJar(name, await File.ReadAllBytesAsync(cached, ct)), null);

        var url = JarUrl(repository, version);
        var fix = $"download {name} yourself and put it into {dropins}, or point --maven-repository (or {RepositoryVariable}) at a Maven repository that has it, then run prepare again.";
        var markerFile = UnreachableFileName(version);
        var marker = Path.Combine(CacheDirectory(layout), markerFile);
        var now = DateTimeOffset.UtcNow;
        if (File.Exists(marker) && UnreachableRepository.Parse(markerFile, await File.ReadAllTextAsync(marker, ct)) is { } missed
            && missed.Repository == repository && now - missed.At < RetryAfter && missed.At <= now)
        {
            return new(null, $"token revocation not wired: {repository} did not answer at {missed.At.UtcDateTime:HH:mm} UTC ({missed.Reason}) and is not asked again before {(missed.At + RetryAfter).UtcDateTime:HH:mm} UTC (delete {marker} to ask now); {fix}");
        }

        var problem = await DownloadAsync(url, timeout, ct);
        if (problem.Jar is { } bytes)
            return new(new HandlerJar(name, bytes), null);
        return new(null, $"token revocation not wired: could not fetch {url} ({problem.Reason}); {fix}",
            problem.Unreachable ? new UnreachableRepository(markerFile, repository, now, problem.Reason) : null);
    }

    /// <returns>The verified jar; else why not, and whether the repository did not answer at all (no name, no
    /// connection, no answer in time), as opposed to answering something else than the jar.</returns>
    private static async Task<(byte[]? Jar, string Reason, bool Unreachable)> DownloadAsync(Uri url, TimeSpan timeout, CancellationToken ct)
    {
        using var http = new HttpClient();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            var checksum = await GetAsync(http, new Uri(url.AbsoluteUri + ".sha1"), deadline.Token);
            // Maven writes the hex digest, sometimes followed by the file name.
            var expected = System.Text.Encoding.ASCII.GetString(checksum).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                .FirstOrDefault()?.ToLowerInvariant();
            if (expected is not { Length: 40 } || !expected.All(Uri.IsHexDigit))
                return (null, "its .sha1 holds no SHA-1 digest", false);
            var jar = await GetAsync(http, url, deadline.Token);
            var actual = Convert.ToHexStringLower(SHA1.HashData(jar));
            return actual == expected
                ? (jar, "", false)
                : (null, $"checksum mismatch: the jar's SHA-1 is {actual}, its .sha1 says {expected}; nothing was kept", false);
        }
        catch (HttpRequestException e) when (e.StatusCode is { } status)
        {
            return (null, $"HTTP {(int)status} {status}", false);
        }
        catch (HttpRequestException e)
        {
            return (null, e.HttpRequestError == HttpRequestError.NameResolutionError ? "host not found: no network?" : e.Message,
                e.HttpRequestError is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"no answer within {timeout.TotalSeconds:0} s", true);
        }
    }

    private static async Task<byte[]> GetAsync(HttpClient http, Uri url, CancellationToken ct)
    {
        using var response = await http.GetAsync(url, ct);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}", null, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync(ct);
    }
}
