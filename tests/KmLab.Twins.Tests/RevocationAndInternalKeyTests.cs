using KmLab.Provisioner;
using Org.BouncyCastle.Security;

namespace KmLab.Twins.Tests;

/// <summary>IS's token revocation event (KMIS 2.x TokenRevocationEvent, EventSender) and APIM's handlers; the
/// Publisher's internal key checked at the gateway with <c>gateway_certificate_alias</c> of the truststore.</summary>
public sealed class RevocationAndInternalKeyTests
{
    private const string JarName = "wso2is.notification.event.handlers-2.1.3.jar";

    /// <summary>The [[event_listener]] block of WSO2's docs and harness, aimed at the APIM twin, with or without the jar.</summary>
    private static Action<LabLayout> Notifier(string? header, bool jar) => layout =>
    {
        var toml = Path.Combine(layout.IdentityServerVolume, "repository", "conf", "deployment.toml");
        File.AppendAllText(toml, $$"""

            [[event_listener]]
            id = "token_revocation"
            type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
            name = "org.wso2.is.notification.ApimOauthEventInterceptor"
            order = 1

            [event_listener.properties]
            notification_endpoint = "https://localhost:APIM_PORT/internal/data/v1/notify"
            username = "admin"
            password = "PASSWORD"
            {{(header is null ? "" : $"'header.X-WSO2-KEY-MANAGER' = \"{header}\"")}}
            """);
        if (jar)
        {
            var dropins = Path.Combine(layout.IdentityServerVolume, "repository", "components", "dropins");
            Directory.CreateDirectory(dropins);
            File.WriteAllBytes(Path.Combine(dropins, JarName), [0x50, 0x4b, 0x05, 0x06, .. new byte[18]]);
        }
    };

    /// <summary>Boots the lab with the notifier, then fills in the APIM port and password (known only after boot) and
    /// restarts the IS twin on them.</summary>
    private static async Task<(TwinLab Lab, RunningTwin IdentityServer)> StartWithNotifierAsync(string? header, bool jar)
    {
        var lab = await TwinLab.StartAsync(prepared: Notifier(header, jar));
        var toml = Path.Combine(lab.Layout.IdentityServerVolume, "repository", "conf", "deployment.toml");
        File.WriteAllText(toml, File.ReadAllText(toml).Replace("APIM_PORT", lab.ApiManager.BaseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Replace("PASSWORD", lab.AdminPassword));
        var identityServer = await Twins.StartIdentityServerAsync(new TwinOptions(lab.Layout.IdentityServerVolume, lab.IdentityServer.Version) { HttpsPort = 0 },
            TestContext.Current.CancellationToken);
        return (lab, identityServer);
    }

    /// <summary>A client-credentials token from the IS twin and its revocation (which triggers the notifier).</summary>
    private static async Task<string> IssueAndRevokeAsync(TwinLab lab, RunningTwin identityServer)
    {
        var ct = TestContext.Current.CancellationToken;
        using var dcr = new HttpRequestMessage(HttpMethod.Post, new Uri(identityServer.BaseUrl, "/api/identity/oauth2/dcr/v1.1/register"))
        {
            Content = JsonContent.Create(new JsonObject { ["client_name"] = "revocation", ["grant_types"] = new JsonArray("client_credentials") }),
        };
        dcr.Headers.Authorization = TwinLab.Basic("admin", lab.AdminPassword);
        using var registered = await lab.Http.SendAsync(dcr, ct);
        var client = (await registered.Content.ReadFromJsonAsync<JsonObject>(ct))!;
        var basic = TwinLab.Basic((string)client["client_id"]!, (string)client["client_secret"]!);
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, new Uri(identityServer.BaseUrl, "/oauth2/token"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
        };
        tokenRequest.Headers.Authorization = basic;
        using var tokenResponse = await lab.Http.SendAsync(tokenRequest, ct);
        var token = (string)(await tokenResponse.Content.ReadFromJsonAsync<JsonObject>(ct))!["access_token"]!;
        using var revoke = new HttpRequestMessage(HttpMethod.Post, new Uri(identityServer.BaseUrl, "/oauth2/revoke"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = token }),
        };
        revoke.Headers.Authorization = basic;
        using var revoked = await lab.Http.SendAsync(revoke, ct);
        Assert.Equal(200, (int)revoked.StatusCode);
        return new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).Id;
    }

    [Theory]
    [InlineData("WSO2-IS")]
    [InlineData("default")]
    public async Task The_revocation_event_carries_the_jti_in_accessToken_and_APIM_takes_both_header_values(string header)
    {
        var (lab, identityServer) = await StartWithNotifierAsync(header, jar: true);
        await using var _ = lab;
        await using var __ = identityServer;

        var jti = await IssueAndRevokeAsync(lab, identityServer);

        var notify = Assert.Single(lab.ApiManager.Requests, r => r.Path == "/internal/data/v1/notify");
        var body = JsonNode.Parse(notify.Body)!.AsObject();
        Assert.Equal(["accessToken", "expiryTime", "user", "consumerKey", "tokenType", "eventId", "timeStamp", "type", "tenantId", "tenantDomain", "properties"],
            body.Select(p => p.Key));
        Assert.Equal(jti, (string?)body["accessToken"]);
        Assert.Equal("token_revocation", (string?)body["type"]);
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains($"Token {jti} revoked by the Key Manager ({header} handler)"));
    }

    [Fact]
    public async Task Another_header_value_is_dropped_with_200()
    {
        var (lab, identityServer) = await StartWithNotifierAsync("Custom-KM", jar: true);
        await using var _ = lab;
        await using var __ = identityServer;

        var jti = await IssueAndRevokeAsync(lab, identityServer);

        Assert.Single(lab.ApiManager.Requests, r => r.Path == "/internal/data/v1/notify");
        Assert.Contains(identityServer.LogLines, l => l.Contains("Token revocation notified") && l.EndsWith(": 200", StringComparison.Ordinal));
        Assert.DoesNotContain(lab.ApiManager.LogLines, l => l.Contains(jti));
    }

    [Fact]
    public async Task Without_the_handler_jar_in_dropins_IS_sends_no_event()
    {
        var (lab, identityServer) = await StartWithNotifierAsync("WSO2-IS", jar: false);
        await using var _ = lab;
        await using var __ = identityServer;

        await IssueAndRevokeAsync(lab, identityServer);

        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Path == "/internal/data/v1/notify");
        Assert.Contains(identityServer.LogLines, l => l.Contains("is not in repository/components/dropins"));
    }

    /// <summary>Takes <c>gateway_certificate_alias</c> out of APIM's truststore, which prepare fills with APIM's own
    /// signing certificate: a truststore as the lab wrote it before, or as a user's own one may be.</summary>
    private static void RemoveGatewayCertificateAlias(LabLayout layout)
    {
        var trustPath = Path.Combine(layout.ApiManagerVolume, "repository", "resources", "security", "client-truststore.jks");
        var trustStore = new JksStore();
        using (var file = File.OpenRead(trustPath)) trustStore.Load(file, "wso2carbon".ToCharArray());
        Assert.True(trustStore.ContainsAlias("gateway_certificate_alias"), "prepare is expected to write gateway_certificate_alias");
        trustStore.DeleteEntry("gateway_certificate_alias");
        using var output = File.Create(trustPath);
        trustStore.Save(output, "wso2carbon".ToCharArray());
    }

    /// <summary>An API deployed to the Default gateway whose backend is the IS twin's health check.</summary>
    private static async Task<(string ApiId, string Path)> DeployApiAsync(TwinLab lab) =>
        (await lab.DeployApiAsync("TryOut", "/tryout", lab.IsInternal + "/api/health-check/v1.0", "/health"), "/tryout/1.0.0/health");

    private static async Task<(int Status, JsonNode? Body)> CallWithInternalKeyAsync(TwinLab lab, string apiId, string path)
    {
        var (status, key) = await lab.SendAsync(HttpMethod.Post, $"/api/am/publisher/v4/apis/{apiId}/generate-key");
        Assert.Equal(200, status);
        Assert.Equal(60000, (int)key!["validityTime"]!);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(lab.ApiManager.GatewayUrl!, path));
        request.Headers.Add("Internal-Key", (string)key["apikey"]!);
        using var response = await lab.Http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task An_internal_key_is_accepted_when_the_truststore_holds_gateway_certificate_alias()
    {
        await using var lab = await TwinLab.StartAsync(); // prepare writes the alias
        var (apiId, path) = await DeployApiAsync(lab);

        var (status, body) = await CallWithInternalKeyAsync(lab, apiId, path);

        Assert.Equal(200, status);
        Assert.Equal("healthy", (string?)body!["health"]![0]!["value"]);
    }

    [Fact]
    public async Task Without_gateway_certificate_alias_the_gateway_refuses_the_internal_key_with_900901()
    {
        await using var lab = await TwinLab.StartAsync(prepared: RemoveGatewayCertificateAlias);
        var (apiId, path) = await DeployApiAsync(lab);

        var (status, body) = await CallWithInternalKeyAsync(lab, apiId, path);

        Assert.Equal(401, status);
        Assert.Equal(900901, (long)body!["code"]!);
        Assert.Contains(lab.ApiManager.LogLines, l => l.Contains("Couldn't find a public certificate to verify signature with alias gateway_certificate_alias"));
    }
}
