using System.Net.Http.Json;
using System.Text.Json;

namespace KmLab.Register.Tests;

/// <summary>What register sends, request by request, per APIM version.</summary>
public sealed class RegisterRequestsTests
{
    [Theory]
    [MemberData(nameof(TestData.ApimVersions), MemberType = typeof(TestData))]
    public async Task Sends_the_documented_requests_and_the_full_key_manager_body_per_apim_version(string apimVersion)
    {
        await using var lab = await Lab.StartAsync(apimVersion, apim: o => o with { TransientRegistrationErrors = 1 });

        var result = await lab.RegisterAsync();

        Assert.Equal(RegisterOutcomes.Created, result.Outcome);
        var apim = lab.ApiManager.Requests.Where(r => r.Path != ApimEndpoints.StartupHealthCheck).ToList();
        // Client registration (the twin answers 500 once right after start, which is retried), token, settings, discover,
        // look up by name, create; then the DevPortal proof.
        Assert.Equal(
            [
                $"POST {ApimEndpoints.ClientRegistration}", $"POST {ApimEndpoints.ClientRegistration}", $"POST {ApimEndpoints.Token}",
                $"GET {ApimEndpoints.Settings}", $"POST {ApimEndpoints.KeyManagersDiscover}", $"GET {ApimEndpoints.KeyManagers}",
                $"POST {ApimEndpoints.KeyManagers}",
            ],
            apim.Take(7).Select(r => $"{r.Method} {r.Path}"));

        var registration = apim[0];
        Assert.StartsWith("application/json", registration.ContentType);
        Assert.Equal("Basic", registration.AuthorizationScheme);
        var client = JsonNode.Parse(registration.Body)!;
        Assert.Equal(KeyManagerRegistrar.RestClientName, (string?)client["clientName"]);
        Assert.Equal("client_credentials password refresh_token", (string?)client["grantType"]);
        Assert.True((bool?)client["saasApp"]);

        var token = apim[2];
        Assert.StartsWith("application/x-www-form-urlencoded", token.ContentType);
        Assert.Equal("Basic", token.AuthorizationScheme);
        var form = System.Web.HttpUtility.ParseQueryString(token.Body);
        Assert.Equal("password", form["grant_type"]);
        Assert.Equal(
            ["apim:admin", "apim:admin_operations", "apim:admin_settings", "apim:app_manage", "apim:keymanagers_manage", "apim:subscribe"],
            form["scope"]!.Split(' ').Order());

        Assert.All(apim.Skip(3), r => Assert.Equal("Bearer", r.AuthorizationScheme));
        var discover = apim[4];
        Assert.StartsWith("multipart/form-data", discover.ContentType);
        Assert.Contains($"{lab.IsInternalUrl.GetLeftPart(UriPartial.Authority)}{IdentityServerEndpoints.WellKnown}", discover.Body);
        Assert.Contains(Is7Connector.Type, discover.Body);

        var create = apim[6];
        Assert.StartsWith("application/json", create.ContentType);
        var expected = await ExpectedBodyAsync(lab, apimVersion);
        var sent = JsonNode.Parse(create.Body)!;
        Assert.True(JsonNode.DeepEquals(expected, sent), $"expected\n{expected}\nsent\n{sent}");

        // The proof: the lab application, its keys from this Key Manager, then a token from IS.
        var devPortal = apim.Skip(7).Select(r => $"{r.Method} {r.Path}").ToList();
        Assert.Contains($"GET {ApimEndpoints.Applications}", devPortal);
        Assert.Contains($"POST {ApimEndpoints.Applications}", devPortal);
        // Retried while the new Key Manager propagates; the last attempt succeeded.
        var generate = apim.Last(r => r.Method == "POST" && r.Path.EndsWith("/generate-keys", StringComparison.Ordinal));
        var generateBody = JsonNode.Parse(generate.Body)!;
        Assert.Equal("IS7", (string?)generateBody["keyManager"]);
        Assert.Equal("PRODUCTION", (string?)generateBody["keyType"]);
        Assert.Contains(lab.IdentityServer.Requests, r => r.Method == "POST" && r.Path == IdentityServerEndpoints.Token
                                                          && r.Body.Contains("grant_type=client_credentials", StringComparison.Ordinal));
        Assert.Equal(lab.IdentityServer.AdvertisedBase + IdentityServerEndpoints.Token, result.Issuer);
        Assert.False(string.IsNullOrEmpty(result.ConsumerKey));
    }

    [Fact]
    public async Task Dry_run_prints_the_body_with_the_password_masked_and_writes_nothing()
    {
        await using var lab = await Lab.StartAsync();

        var result = await lab.RegisterAsync(lab.Request(dryRun: true));

        Assert.Equal(RegisterOutcomes.DryRun, result.Outcome);
        var printed = JsonNode.Parse(result.DryRunJson!)!;
        Assert.Equal(Is7Connector.MaskedValue, (string?)printed["additionalProperties"]!["Password"]);
        Assert.DoesNotContain(lab.AdminPassword, result.DryRunJson);
        var expected = await ExpectedBodyAsync(lab, "4.6.0");
        expected["additionalProperties"]!["Password"] = Is7Connector.MaskedValue;
        Assert.True(JsonNode.DeepEquals(expected, printed), $"expected\n{expected}\nprinted\n{printed}");
        Assert.DoesNotContain(lab.ApiManager.Requests, r => r.Method is "PUT" or "DELETE"
            || (r.Method == "POST" && (r.Path == ApimEndpoints.KeyManagers || r.Path.StartsWith(ApimEndpoints.DevPortalBase, StringComparison.Ordinal))));
    }

    /// <summary>The Key Manager APIM should receive, written out field by field from Core's connector facts.</summary>
    internal static async Task<JsonObject> ExpectedBodyAsync(Lab lab, string apimVersion, Uri? display = null)
    {
        var inner = lab.IsInternalUrl.GetLeftPart(UriPartial.Authority);
        var shown = (display ?? lab.IdentityServer.BaseUrl).GetLeftPart(UriPartial.Authority);
        var advertised = await WellKnownGrantTypesAsync(lab);
        var grants = new JsonArray(Is7Connector.SeedGrantTypes.Where(advertised.Contains).Select(g => (JsonNode)g!).ToArray());
        var minor = int.Parse(apimVersion.Split('.')[1]);

        var properties = new JsonObject();
        if (minor >= 6) properties["Authentication"] = "BasicAuth";
        properties["Username"] = lab.Topology.AdminUser;
        properties["Password"] = lab.AdminPassword;
        if (minor >= 4)
        {
            properties["api_resource_management_endpoint"] = inner + "/api/server/v1/api-resources";
            properties["is7_roles_endpoint"] = inner + "/scim2/v2/Roles";
        }
        if (minor >= 5) properties["enable_roles_creation"] = true;
        if (minor >= 6) properties["user_schema_cache_enabled"] = true;
        properties["self_validate_jwt"] = true;

        var body = new JsonObject
        {
            ["name"] = "IS7",
            ["displayName"] = "IS7",
            ["type"] = "WSO2-IS-7",
            ["description"] = "WSO2 Identity Server 7, registered by KmLab",
            ["wellKnownEndpoint"] = inner + "/oauth2/token/.well-known/openid-configuration",
            ["introspectionEndpoint"] = inner + "/oauth2/introspect",
            ["clientRegistrationEndpoint"] = inner + "/api/identity/oauth2/dcr/v1.1/register",
            ["tokenEndpoint"] = inner + "/oauth2/token",
            ["displayTokenEndpoint"] = shown + "/oauth2/token",
            ["revokeEndpoint"] = inner + "/oauth2/revoke",
            ["displayRevokeEndpoint"] = shown + "/oauth2/revoke",
            ["userInfoEndpoint"] = inner + "/scim2/Me",
            ["authorizeEndpoint"] = shown + "/oauth2/authorize",
            ["certificates"] = new JsonObject { ["type"] = "JWKS", ["value"] = inner + "/oauth2/jwks" },
            ["issuer"] = lab.IdentityServer.AdvertisedBase + "/oauth2/token",
            ["scopeManagementEndpoint"] = inner + "/api/identity/oauth2/v1.0/scopes",
            ["availableGrantTypes"] = grants,
            ["enableTokenGeneration"] = true,
            ["enableMapOAuthConsumerApps"] = true,
            ["enableOAuthAppCreation"] = true,
            ["enableSelfValidationJWT"] = true,
            ["consumerKeyClaim"] = "azp",
            ["scopesClaim"] = "scope",
            ["enabled"] = true,
            ["additionalProperties"] = properties,
            ["tokenType"] = "DIRECT",
        };
        if (minor >= 5) body["allowedOrganizations"] = new JsonArray("ALL");
        return body;
    }

    /// <summary>The grant types IS's well-known document advertises, read over TLS trusting the lab CA.</summary>
    private static async Task<HashSet<string>> WellKnownGrantTypesAsync(Lab lab)
    {
        using var http = LabHttp.Client(lab);
        var document = await http.GetFromJsonAsync<JsonObject>(lab.IdentityServer.BaseUrl + IdentityServerEndpoints.WellKnown.TrimStart('/'),
            TestContext.Current.CancellationToken);
        return document!["grant_types_supported"]!.AsArray().Select(g => (string)g!).ToHashSet();
    }
}
