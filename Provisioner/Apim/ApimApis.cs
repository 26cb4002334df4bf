using Refit;

namespace KmLab.Provisioner.Apim;

/// <summary>APIM's own OAuth2 endpoints: client registration and the token endpoint on the servlet port.</summary>
public interface IApimOAuthApi
{
    /// <param name="basicAuthorization">Basic admin credentials: <c>Basic base64(user:password)</c>.</param>
    [Post(ApimEndpoints.ClientRegistration)]
    Task<ClientRegistrationResponse> RegisterClientAsync(
        [Body] ClientRegistrationRequest request,
        [Header("Authorization")] string basicAuthorization,
        CancellationToken cancellationToken);

    /// <param name="form">The grant's form fields (<c>grant_type</c>, <c>username</c>, <c>password</c>, <c>scope</c>).</param>
    /// <param name="basicAuthorization">Basic client credentials: <c>Basic base64(clientId:clientSecret)</c>.</param>
    [Post(ApimEndpoints.Token)]
    Task<TokenResponse> TokenAsync(
        [Body(BodySerializationMethod.UrlEncoded)] IDictionary<string, string> form,
        [Header("Authorization")] string basicAuthorization,
        CancellationToken cancellationToken);

    /// <summary>200 once APIM has started (no authentication).</summary>
    [Get(ApimEndpoints.StartupHealthCheck)]
    Task<HttpResponseMessage> StartupHealthCheckAsync(CancellationToken cancellationToken);
}

/// <summary>The Admin REST API v4 operations the lab uses. Every call carries a bearer token from APIM itself.</summary>
[Headers("Authorization: Bearer")]
public interface IApimAdminApi
{
    [Get(ApimEndpoints.Settings)]
    Task<Settings> GetSettingsAsync(CancellationToken cancellationToken);

    [Get(ApimEndpoints.KeyManagers)]
    Task<ApimList<KeyManagerInfo>> GetKeyManagersAsync(CancellationToken cancellationToken);

    [Get(ApimEndpoints.KeyManager)]
    Task<KeyManager> GetKeyManagerAsync(string keyManagerId, CancellationToken cancellationToken);

    /// <summary>201 with the stored Key Manager; 409 (901402) when the name exists.</summary>
    [Post(ApimEndpoints.KeyManagers)]
    Task<KeyManager> AddKeyManagerAsync([Body] KeyManager keyManager, CancellationToken cancellationToken);

    /// <summary>Cannot rename.</summary>
    [Put(ApimEndpoints.KeyManager)]
    Task<KeyManager> UpdateKeyManagerAsync(string keyManagerId, [Body] KeyManager keyManager, CancellationToken cancellationToken);

    [Delete(ApimEndpoints.KeyManager)]
    Task DeleteKeyManagerAsync(string keyManagerId, CancellationToken cancellationToken);

    /// <summary>APIM fetches the well-known <paramref name="url"/> itself and answers a Key Manager it has not saved.</summary>
    [Multipart]
    [Post(ApimEndpoints.KeyManagersDiscover)]
    Task<KeyManagerWellKnownResponse> DiscoverKeyManagerAsync(
        [AliasAs("url")] string url,
        [AliasAs("type")] string type,
        CancellationToken cancellationToken);
}

/// <summary>The DevPortal REST API v3 operations the lab uses to prove a Key Manager works.</summary>
[Headers("Authorization: Bearer")]
public interface IApimDevPortalApi
{
    /// <param name="query">Matched against application names.</param>
    [Get(ApimEndpoints.Applications)]
    Task<ApimList<ApplicationInfo>> GetApplicationsAsync([Query] string? query, CancellationToken cancellationToken);

    [Post(ApimEndpoints.Applications)]
    Task<Application> AddApplicationAsync([Body] Application application, CancellationToken cancellationToken);

    [Post(ApimEndpoints.ApplicationGenerateKeys)]
    Task<ApplicationKey> GenerateKeysAsync(string applicationId, [Body] ApplicationKeyGenerateRequest request, CancellationToken cancellationToken);

    /// <summary>Every key mapping of the application, half-made ones (no consumer key, <c>keyState</c> not
    /// COMPLETED) included.</summary>
    [Get(ApimEndpoints.ApplicationOAuthKeys)]
    Task<ApimList<ApplicationKey>> GetOAuthKeysAsync(string applicationId, CancellationToken cancellationToken);

    /// <summary>Removes a key mapping APIM's database holds (the client in the Key Manager is not touched).</summary>
    [Post(ApimEndpoints.ApplicationOAuthKeyCleanUp)]
    Task CleanUpOAuthKeyAsync(string applicationId, string keyMappingId, CancellationToken cancellationToken);
}
