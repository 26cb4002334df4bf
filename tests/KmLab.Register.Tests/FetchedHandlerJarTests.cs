using System.IO.Compression;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace KmLab.Register.Tests;

/// <summary>The handler jar prepare fetched (kept in the state folder and copied into IS's dropins) is the jar the IS
/// twin looks for: with it, a revoked token makes IS send the revocation event to APIM.</summary>
public sealed class FetchedHandlerJarTests
{
    [Fact]
    public async Task With_the_jar_prepare_fetched_the_IS_twin_sends_the_revocation_event()
    {
        var fetched = new HandlerJar(HandlerJarDownload.FileName("2.1.3"), SomeJar());
        await using var lab = await Lab.StartAsync(apimVersion: "4.7.0",
            prepared: (layout, topology) => LabPreparer.Prepare(new PrepareRequest(layout.Root, topology) { HandlerJar = fetched }));
        using var http = LabHttp.Client(lab);
        var ct = TestContext.Current.CancellationToken;

        using var dcr = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.IdentityServer.BaseUrl, "/api/identity/oauth2/dcr/v1.1/register"))
        {
            Content = JsonContent.Create(new JsonObject { ["client_name"] = "fetched-jar", ["grant_types"] = new JsonArray("client_credentials") }),
        };
        dcr.Headers.Authorization = Basic(lab.Topology.AdminUser, lab.AdminPassword);
        using var registered = await http.SendAsync(dcr, ct);
        var client = (await registered.Content.ReadFromJsonAsync<JsonObject>(ct))!;
        var basic = Basic((string)client["client_id"]!, (string)client["client_secret"]!);
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.IdentityServer.BaseUrl, "/oauth2/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        tokenRequest.Headers.Authorization = basic;
        using var tokenResponse = await http.SendAsync(tokenRequest, ct);
        var token = (string)(await tokenResponse.Content.ReadFromJsonAsync<JsonObject>(ct))!["access_token"]!;
        using var revoke = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.IdentityServer.BaseUrl, "/oauth2/revoke"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        revoke.Headers.Authorization = basic;
        using var revoked = await http.SendAsync(revoke, ct);

        Assert.Equal(200, (int)revoked.StatusCode);
        // prepare aimed the listener at APIM's container name, which does not resolve here: IS tried, and says so.
        Assert.Contains(lab.IdentityServer.LogLines, l => l.Contains("Revocation Event to https://apim:9443/internal/data/v1/notify", StringComparison.Ordinal)
                                                          || l.Contains("Token revocation notified to https://apim:9443/internal/data/v1/notify", StringComparison.Ordinal));
        Assert.DoesNotContain(lab.IdentityServer.LogLines, l => l.Contains("no revocation event sent", StringComparison.Ordinal));
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    private static byte[] SomeJar()
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        using (var writer = new StreamWriter(zip.CreateEntry("META-INF/MANIFEST.MF").Open()))
            writer.Write("Manifest-Version: 1.0\nBundle-SymbolicName: wso2is.notification.event.handlers\n");
        return stream.ToArray();
    }
}
