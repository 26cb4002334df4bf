using KmLab.Provisioner.Apim;
using Refit;

namespace KmLab.Provisioner.IdentityServer;

/// <summary>The WSO2 Identity Server 7 endpoints <c>register</c> calls directly.</summary>
public interface IIdentityServerApi
{
    [Get(IdentityServerEndpoints.WellKnown)]
    Task<OpenIdConfiguration> GetOpenIdConfigurationAsync(CancellationToken cancellationToken);

    [Get(IdentityServerEndpoints.HealthCheck)]
    Task<HttpResponseMessage> HealthCheckAsync(CancellationToken cancellationToken);

    /// <param name="form">The grant's form fields (<c>grant_type=client_credentials</c>, optional <c>scope</c>).</param>
    /// <param name="basicAuthorization">Basic client credentials: <c>Basic base64(clientId:clientSecret)</c>.</param>
    [Post(IdentityServerEndpoints.Token)]
    Task<TokenResponse> TokenAsync(
        [Body(BodySerializationMethod.UrlEncoded)] IDictionary<string, string> form,
        [Header("Authorization")] string basicAuthorization,
        CancellationToken cancellationToken);
}
