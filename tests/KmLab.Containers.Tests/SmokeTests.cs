using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KmLab.Containers.Tests;

/// <summary>The lab's end-to-end proof on containers: IS's token through APIM's gateway, and what the gateway refuses.</summary>
[Collection(LabCollection.Name)]
public sealed class SmokeTests(LabFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_token_from_IS_calls_the_sample_API_through_the_gateway_with_200()
    {
        var lab = await fixture.LabAsync();

        var result = await fixture.SmokeAsync();

        Assert.Equal(200, result.StatusCode);
        Assert.Equal(lab.GatewayUrl.GetLeftPart(UriPartial.Authority), result.CalledUrl.GetLeftPart(UriPartial.Authority));
        Assert.Equal(fixture.FirstRegistration.Issuer, result.Issuer);
        Assert.Equal(fixture.FirstRegistration.ConsumerKey, result.ConsumerKey);
    }

    [Fact]
    public async Task A_token_from_a_foreign_issuer_gets_401_from_the_gateway()
    {
        var lab = await fixture.LabAsync();
        var smoke = await fixture.SmokeAsync();

        // Well formed and for the subscribed application, but signed by a key and issuer no Key Manager knows.
        using var rsa = RSA.Create(2048);
        var foreign = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://foreign.example:9444/oauth2/token",
            Expires = DateTime.UtcNow.AddMinutes(5),
            Claims = new Dictionary<string, object> { ["azp"] = smoke.ConsumerKey, ["sub"] = lab.Topology.AdminUser, ["jti"] = Guid.NewGuid().ToString() },
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256),
        });

        using var http = lab.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, smoke.CalledUrl);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", foreign);
        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
    [Fact]
    public async Task A_token_revoked_at_IS_gets_401_from_the_gateway_where_the_revocation_path_is_configured()
    {
        var lab = await fixture.LabAsync();
        if (!lab.RevocationConfigured)
            Assert.Skip("IS has no token revocation notifier in its dropins, so prepare did not configure the revocation path.");
        var smoke = await fixture.SmokeAsync();
        var application = smoke.Credentials!;
        using var http = lab.CreateClient();
        Assert.Equal(HttpStatusCode.OK, await CallGatewayAsync(http, smoke.CalledUrl, application.AccessToken));

        // RFC 7009 at IS, as the application that got the token; IS then tells APIM through the event listener.
        using var revoke = new HttpRequestMessage(HttpMethod.Post, new Uri(lab.IsUrl, IdentityServerEndpoints.Revoke))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = application.AccessToken, ["token_type_hint"] = "access_token" }),
        };
        revoke.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{application.ConsumerKey}:{application.ConsumerSecret}")));
        using (var revoked = await http.SendAsync(revoke, Ct))
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);

        // The notification reaches the gateway asynchronously on the real servers: give it a moment, not a deadline under test.
        var status = HttpStatusCode.OK;
        for (var attempt = 0; attempt < 30 && status != HttpStatusCode.Unauthorized; attempt++)
        {
            if (attempt > 0) await Task.Delay(TimeSpan.FromSeconds(1), Ct);
            status = await CallGatewayAsync(http, smoke.CalledUrl, application.AccessToken);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, status);
    }

    private static async Task<HttpStatusCode> CallGatewayAsync(HttpClient http, Uri url, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, Ct);
        return response.StatusCode;
    }
}
