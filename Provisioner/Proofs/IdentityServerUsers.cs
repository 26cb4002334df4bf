using System.Net;
using System.Text.Json.Nodes;
using KmLab.Provisioner.Apim;
using KmLab.Provisioner.IdentityServer;
using KmLab.Provisioner.Wso2Rest;
using Microsoft.IdentityModel.JsonWebTokens;
using Refit;

namespace KmLab.Provisioner.Proofs;

/// <summary>The proof's IS users through SCIM2 (found, else created) and their password-grant tokens, which an
/// application's client credentials ask for.</summary>
internal sealed class IdentityServerUsers(Wso2Connection identityServer, string basic, string command, Wso2Calls calls, ILogger logger)
{
    private readonly IIdentityServerScimApi _scim = identityServer.Refit<IIdentityServerScimApi>();
    private readonly IIdentityServerApi _oauth = identityServer.Refit<IIdentityServerApi>();

    /// <summary>The user's id; created when missing; an existing one must accept the password (else one line).</summary>
    public async Task<string> EnsureAsync(ApplicationKey key, string userName, string password, string passwordVariable, CancellationToken ct)
    {
        var fix = $"check IS's user store in its console (User Management), then re-run {command}";
        var found = await calls.CallAsync(identityServer, "GET " + IdentityServerEndpoints.ScimUsers, fix, () => _scim.FindUsersAsync($"userName eq {userName}", basic, ct));
        if ((found["Resources"] as JsonArray)?.FirstOrDefault(u => (string?)u?["userName"] == userName)?["id"] is { } existing)
        {
            // The only way to tell whether an existing user has the password is to log in with it.
            try
            {
                await _oauth.TokenAsync(PasswordForm(userName, password, "openid"), Wso2Connection.Basic(key.ConsumerKey!, key.ConsumerSecret!), ct);
            }
            catch (ApiException e) when (e.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized && e.Content?.Contains("invalid_grant", StringComparison.Ordinal) == true)
            {
                throw calls.Failed(ExitCodes.UserPasswordMismatch, $"user '{userName}' exists in IS with another password; set {passwordVariable} to its password, or delete the user in IS's console, then re-run {command}");
            }
            logger.LogInformation("Reusing IS user {User} (id {Id})", userName, (string?)existing);
            return (string)existing!;
        }
        try
        {
            var created = await _scim.CreateUserAsync(new JsonObject
            {
                ["schemas"] = new JsonArray(ScimSchemas.User), ["userName"] = userName, ["password"] = password,
                ["name"] = new JsonObject { ["givenName"] = userName, ["familyName"] = "KmLab" },
            }, basic, ct);
            logger.LogInformation("Created IS user {User} (id {Id})", userName, (string?)created["id"]);
            return (string)created["id"]!;
        }
        catch (ApiException e) when (e.StatusCode == HttpStatusCode.BadRequest && Wso2Failures.ScimDetail(e) is { } detail)
        {
            // SCIMUserManager.createUser: the user store's refusal (31301 user name, 30003 password) is 400 invalidValue.
            throw calls.Failed(ExitCodes.NameRefused, $"IS refused user '{userName}': {detail}; give another user name, or set {passwordVariable} to a password IS accepts, then re-run {command}");
        }
        catch (Exception e) when (Wso2Failures.IsReportable(e))
        {
            throw calls.Failure(identityServer, e, "POST " + IdentityServerEndpoints.ScimUsers, fix);
        }
    }

    /// <summary>A password-grant token for the user and the scopes it holds (from the response, else the JWT's claim).</summary>
    public async Task<(string Token, string Scope)> PasswordTokenAsync(ApplicationKey key, string userName, string password, string scope, CancellationToken ct)
    {
        var response = await calls.CallAsync(identityServer, "POST " + IdentityServerEndpoints.Token, $"check the user in IS's console, then re-run {command}",
            () => _oauth.TokenAsync(PasswordForm(userName, password, "openid " + scope), Wso2Connection.Basic(key.ConsumerKey!, key.ConsumerSecret!), ct));
        calls.Secrets.Add(response.AccessToken);
        var granted = response.Scope ?? (new JsonWebTokenHandler().CanReadToken(response.AccessToken)
            ? new JsonWebToken(response.AccessToken).TryGetPayloadValue<string>("scope", out var s) ? s : "" : "");
        return (response.AccessToken, granted);
    }

    private static Dictionary<string, string> PasswordForm(string userName, string password, string scope) => new()
    {
        ["grant_type"] = OAuthGrants.Password, ["username"] = userName, ["password"] = password, ["scope"] = scope,
    };
}
