using KmLab.Provisioner.Apim;
using KmLab.Provisioner.Wso2;

namespace KmLab.Provisioner.Register;

/// <summary>A token for APIM's REST APIs, always from APIM itself: its client registration with the admin's Basic
/// credentials (the same client name returns the same client), then the password grant for the wanted scopes.
/// Both the client secret and the token join the run's secrets.</summary>
internal static class ApimRestToken
{
    /// <summary>The REST client <c>register</c> and <c>smoke</c> share.</summary>
    public const string ClientName = "kmlab_register";

    public const string RegistrationOperation = "POST " + ApimEndpoints.ClientRegistration;
    public const string TokenOperation = "POST " + ApimEndpoints.Token;

    /// <param name="scopes">Space-separated, as OAuth2 wants them.</param>
    /// <param name="failure">Turns a failed call and its operation (<see cref="RegistrationOperation"/> or
    /// <see cref="TokenOperation"/>) into the caller's one-line error.</param>
    public static async Task<(string ClientId, TokenResponse Token)> GetAsync(Wso2Connection apim, string adminUser, string adminPassword,
        string scopes, Secrets secrets, Func<Exception, string, LabException> failure, CancellationToken ct)
    {
        var oauth = apim.Refit<IApimOAuthApi>();
        var client = await CallAsync(RegistrationOperation, () => oauth.RegisterClientAsync(
            new ClientRegistrationRequest
            {
                ClientName = ClientName,
                Owner = adminUser,
                GrantType = string.Join(' ', OAuthGrants.ClientCredentials, OAuthGrants.Password, OAuthGrants.RefreshToken),
                SaasApp = true,
            },
            KeyManagerRegistrar.Basic(adminUser, adminPassword), ct));
        secrets.Add(client.ClientSecret);

        var form = new Dictionary<string, string>
        {
            ["grant_type"] = OAuthGrants.Password,
            ["username"] = adminUser,
            ["password"] = adminPassword,
            ["scope"] = scopes,
        };
        var token = await CallAsync(TokenOperation, () => oauth.TokenAsync(form, KeyManagerRegistrar.Basic(client.ClientId, client.ClientSecret), ct));
        secrets.Add(token.AccessToken);
        return (client.ClientId, token);

        async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (Wso2Connection.IsCallFailure(e))
            {
                throw failure(e, operation);
            }
        }
    }

    /// <summary>Whether APIM granted at least one of <paramref name="anyOf"/> (WSO2's REST resources each want one of a list).</summary>
    public static bool GrantsAny(TokenResponse token, params string[] anyOf) =>
        (token.Scope ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Intersect(anyOf).Any();
}
