using System.Security.Cryptography.X509Certificates;

namespace KmLab.Containers.Tests.Scenarios;

/// <summary>WSO2's Admin-API scenarios for the WSO2-IS-7 Key Manager type, ported to the lab (super tenant rows
/// only). Feature files: wso2/product-apim@140e5b9079d232920f192aeed98f16171b07e40c
/// all-in-one-apim/modules/integration-v2/tests-integration/cucumber-tests/src/test/resources/features/admin/
/// (below "F/"). The config payloads point at a host that is never contacted, as WSO2's do.</summary>
[Collection(LabCollection.Name)]
public sealed class KeyManagerScenarioTests(LabFixture fixture)
{
    // F/is7_wellknown_discovery.feature:11
    [Fact]
    public async Task Discovery_from_the_IS_well_known_document_populates_the_key_manager_configuration()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var url = new Uri(h.Lab.IsInternalUrl, IdentityServerEndpoints.WellKnown).ToString();
        using var form = new MultipartFormDataContent { { new StringContent(url), "url" }, { new StringContent("WSO2-IS-7"), "type" } };
        using var http = h.Lab.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(h.Lab.ApimUrl, ApimEndpoints.KeyManagersDiscover)) { Content = form };
        request.Headers.Authorization = new("Bearer", await h.AdminTokenAsync());
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var reply = new Wso2Harness.Reply((int)response.StatusCode, JsonNode.Parse(text));
        // IS's advertised base: the harness's IS advertises the alias APIM reaches it by; the lab's advertises its public host.
        var advertised = new Uri(h.Issuer).GetLeftPart(UriPartial.Authority);

        Assert.Equal(200, reply.Status);
        Assert.Equal("true", reply.Text("valid"));
        Assert.Equal("WSO2-IS-7", reply.Text("value.type"));
        Assert.Equal(url, reply.Text("value.wellKnownEndpoint"));
        Assert.Equal(advertised + "/oauth2/token", reply.Text("value.issuer"));
        Assert.Equal(advertised + "/oauth2/token", reply.Text("value.tokenEndpoint"));
        Assert.Equal(advertised + "/oauth2/authorize", reply.Text("value.authorizeEndpoint"));
        Assert.Equal(advertised + "/oauth2/revoke", reply.Text("value.revokeEndpoint"));
        Assert.Equal(advertised + "/oauth2/introspect", reply.Text("value.introspectionEndpoint"));
        Assert.Equal(advertised + "/api/identity/oauth2/dcr/v1.1/register", reply.Text("value.clientRegistrationEndpoint"));
        Assert.Equal("JWKS", reply.Text("value.certificates.type"));
        Assert.Equal(advertised + "/oauth2/jwks", reply.Text("value.certificates.value"));
        Assert.Equal(advertised + "/oauth2/userinfo", reply.Text("value.userInfoEndpoint"));
        Assert.Contains("urn:ietf:params:oauth:grant-type:jwt-bearer", text);
        Assert.Contains("urn:ietf:params:oauth:grant-type:saml2-bearer", text);
        Assert.Contains("urn:ietf:params:oauth:grant-type:token-exchange", text);
        Assert.Contains("urn:ietf:params:oauth:grant-type:device_code", text);
    }

    // F/key_manager_config.feature:29, example row L58 (WSO2-IS-7, admin)
    [Fact]
    public async Task Key_manager_CRUD_for_the_WSO2_IS_7_type_with_only_its_mandatory_parameters()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var (id, name) = await h.CreateKeyManagerAsync(Wso2Harness.Is7Config("Wso2Is7KM"));

        var read = await h.GetKeyManagerAsync(id);
        Assert.Equal(200, read.Status);
        Assert.Equal("WSO2-IS-7", read.Text("type"));
        Assert.Equal(name, read.Text("name"));
        Assert.Equal(["client_credentials", "password", "refresh_token"], read.Body!["availableGrantTypes"]!.AsArray().Select(g => (string)g!));
        var updated = await h.UpdateKeyManagerAsync(id, "description", "Updated KM description");
        Assert.Equal(200, updated.Status);
        Assert.Equal("Updated KM description", updated.Text("description"));
        var reread = await h.GetKeyManagerAsync(id);
        Assert.Equal((200, "Updated KM description"), (reread.Status, reread.Text("description")));
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(id)).Status);
        Assert.Equal(404, (await h.GetKeyManagerAsync(id)).Status);
    }

    // F/key_manager_config.feature:148, example row L162 (WSO2-IS-7, admin): additionalProperties removed
    [Fact]
    public async Task Creating_a_WSO2_IS_7_key_manager_without_its_connector_config_is_rejected()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7Config("Wso2Is7KM");
        body.Remove("additionalProperties");

        Assert.Equal(400, (await h.PostKeyManagerAsync(body)).Status);
    }

    // F/key_manager_config.feature:209, row L217 (payload wso2is7-config-missing-is7-endpoints.json)
    [Fact]
    public async Task Creating_a_WSO2_IS_7_key_manager_without_its_IS7_role_and_resource_endpoints_is_rejected()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7Config("Wso2Is7KM");
        var properties = body["additionalProperties"]!.AsObject();
        properties.Remove("api_resource_management_endpoint");
        properties.Remove("is7_roles_endpoint");

        Assert.Equal(400, (await h.PostKeyManagerAsync(body)).Status);
    }

    // F/key_manager_config.feature:222, row L234 (wso2is7-config-roles-creation.json: enable_roles_creation true)
    [Fact]
    public async Task A_WSO2_IS_7_key_manager_persists_the_create_roles_in_IS7_setting()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7Config("Wso2Is7KM");
        body["additionalProperties"]!["enable_roles_creation"] = true;

        await AssertStoredAsync(h, body, "enable_roles_creation");
    }

    // F/key_manager_config.feature:242, row L254 (wso2is7-config-mtls.json)
    [Fact]
    public async Task A_WSO2_IS_7_key_manager_persists_its_Mutual_TLS_authentication_config()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7Config("Wso2Is7MtlsKM");
        var properties = body["additionalProperties"]!.AsObject();
        properties.Remove("Username");
        properties.Remove("Password");
        properties["Authentication"] = "MutualTLS";
        properties["MutualTLSOptions"] = "ServerWide";
        properties["IdentityUser"] = "admin";

        await AssertStoredAsync(h, body, "MutualTLS");
    }

    // F/key_manager_config.feature:261, row L268 (wso2is7-config-mtls-no-identity-user.json)
    [Fact]
    public async Task Creating_a_WSO2_IS_7_key_manager_with_Mutual_TLS_but_no_IdentityUser_is_rejected()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7Config("Wso2Is7MtlsNoUserKM");
        body["additionalProperties"] = new JsonObject
        {
            ["api_resource_management_endpoint"] = Wso2Harness.ConfigOnlyIs + "/api/server/v1/api-resources",
            ["is7_roles_endpoint"] = Wso2Harness.ConfigOnlyIs + "/scim2/v2/Roles",
            ["Authentication"] = "MutualTLS", ["MutualTLSOptions"] = "ServerWide", ["self_validate_jwt"] = true,
        };

        Assert.Equal(400, (await h.PostKeyManagerAsync(body)).Status);
    }

    // F/key_manager_config.feature:275, row L287 (wso2is7-config-minimal.json)
    [Fact]
    public async Task A_WSO2_IS_7_key_manager_with_only_the_mandatory_config_persists()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7Config("Wso2Is7KM");
        foreach (var field in new[] { "authorizeEndpoint", "certificates", "consumerKeyClaim", "enableMapOAuthConsumerApps", "enableOAuthAppCreation",
                     "enableTokenGeneration", "scopeManagementEndpoint", "scopesClaim", "userInfoEndpoint" })
            body.Remove(field);
        body["availableGrantTypes"] = new JsonArray("client_credentials");
        body["additionalProperties"]!.AsObject().Remove("self_validate_jwt");
        body["additionalProperties"]!.AsObject().Remove("enable_roles_creation");

        await AssertStoredAsync(h, body, "WSO2-IS-7");
    }

    // F/key_manager_config.feature:294, row L308 (wso2is7-config-grant-types.json)
    [Fact]
    public async Task A_WSO2_IS_7_key_manager_persists_the_full_IS7_grant_type_set()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7Config("Wso2Is7KM");
        body["availableGrantTypes"] = new JsonArray("client_credentials", "password", "refresh_token", "authorization_code",
            Wso2Harness.Saml2Bearer, "iwa:ntlm", "urn:ietf:params:oauth:grant-type:device_code",
            "urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:token-exchange");

        await AssertStoredAsync(h, body, "urn:ietf:params:oauth:grant-type:token-exchange", Wso2Harness.Saml2Bearer);
    }

    // F/key_manager_config.feature:315, row L327 (wso2is7-config-token-exchange.json)
    [Fact]
    public async Task A_WSO2_IS_7_key_manager_persists_the_token_exchange_invocation_method()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var (id, _) = await h.CreateKeyManagerAsync(Wso2Harness.Is7ExchangedConfig("Wso2Is7TeKM"));
        var read = await h.GetKeyManagerAsync(id);

        Assert.Equal((200, "EXCHANGED"), (read.Status, read.Text("tokenType")));
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(id)).Status);
    }

    // F/key_manager_config.feature:337, row L360 (wso2is7-config-token-type-both.json)
    [Fact]
    public async Task A_WSO2_IS_7_key_manager_persists_the_BOTH_invocation_method_and_every_token_type_transition()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7ExchangedConfig("Wso2Is7BothKM");
        body["tokenType"] = "BOTH";
        var created = await h.PostKeyManagerAsync(body);
        Assert.Equal((201, "BOTH"), (created.Status, created.Text("tokenType")));
        var id = created.Text("id")!;

        Assert.Equal("BOTH", (await h.GetKeyManagerAsync(id)).Text("tokenType"));
        Assert.Equal(200, (await h.UpdateKeyManagerAsync(id, "tokenType", "EXCHANGED")).Status);
        Assert.Equal("EXCHANGED", (await h.GetKeyManagerAsync(id)).Text("tokenType"));
        Assert.Equal(200, (await h.UpdateKeyManagerAsync(id, "tokenType", "DIRECT")).Status);
        Assert.Equal("DIRECT", (await h.GetKeyManagerAsync(id)).Text("tokenType"));
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(id)).Status);
    }

    // F/key_manager_config.feature:371, row L389 (admin, carbon.super)
    [Fact]
    public async Task The_devportal_key_manager_listing_advertises_display_endpoints_and_falls_back_when_they_are_blank()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var display = Wso2Harness.Is7Config("Wso2Is7KM");
        display["displayTokenEndpoint"] = "https://display.is7.example.com:9444/oauth2/token";
        display["displayRevokeEndpoint"] = "https://display.is7.example.com:9444/oauth2/revoke";
        var blank = Wso2Harness.Is7Config("Wso2Is7KM");
        blank["displayTokenEndpoint"] = "";
        blank["displayRevokeEndpoint"] = "";
        var (displayId, displayName) = await h.CreateKeyManagerAsync(display);
        var (blankId, blankName) = await h.CreateKeyManagerAsync(blank);

        var list = await h.SendAsync(HttpMethod.Get, "/api/am/devportal/v3/key-managers");

        Assert.Equal(200, list.Status);
        JsonNode Entry(string name) => list.Body!["list"]!.AsArray().Single(k => (string?)k!["name"] == name)!;
        Assert.Equal("https://display.is7.example.com:9444/oauth2/token", (string?)Entry(displayName)["tokenEndpoint"]);
        Assert.Equal("https://display.is7.example.com:9444/oauth2/revoke", (string?)Entry(displayName)["revokeEndpoint"]);
        Assert.Equal("https://is7.example.com:9444/oauth2/token", (string?)Entry(blankName)["tokenEndpoint"]);
        Assert.Equal("https://is7.example.com:9444/oauth2/revoke", (string?)Entry(blankName)["revokeEndpoint"]);
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(displayId)).Status);
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(blankId)).Status);
    }

    // F/key_manager_config.feature:397, row L408 (wso2is7-config-te-no-cert.json)
    [Fact]
    public async Task A_WSO2_IS_7_token_exchange_key_manager_without_a_signature_certificate_is_accepted_at_create_time()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7ExchangedConfig("Wso2Is7TeNoCertKM");
        body.Remove("certificates");

        var created = await h.PostKeyManagerAsync(body);

        Assert.Equal((201, "EXCHANGED"), (created.Status, created.Text("tokenType")));
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(created.Text("id")!)).Status);
    }

    // F/key_manager_config.feature:413, row L426
    [Fact]
    public async Task The_key_manager_list_includes_a_created_WSO2_IS_7_key_manager()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var (id, _) = await h.CreateKeyManagerAsync(Wso2Harness.Is7Config("Wso2Is7KM"));

        var list = await h.SendAsync(HttpMethod.Get, ApimEndpoints.KeyManagers);

        Assert.Equal(200, list.Status);
        Assert.Contains("WSO2-IS-7", list.Body!.ToJsonString());
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(id)).Status);
    }

    // F/key_manager_config.feature:432, row L445 (wso2is7-config-pem.json: certificates PEM = base64 of a PEM certificate)
    [Fact]
    public async Task A_WSO2_IS_7_key_manager_persists_a_PEM_certificate_configuration()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7Config("Wso2Is7PemKM");
        body["certificates"] = new JsonObject { ["type"] = "PEM", ["value"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(SelfSignedPem())) };

        await AssertStoredAsync(h, body, "PEM");
    }

    // F/key_manager_config.feature:451, row L471
    [Fact]
    public async Task A_WSO2_IS_7_key_managers_enabled_state_can_be_toggled_off_and_on()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var (id, _) = await h.CreateKeyManagerAsync(Wso2Harness.Is7Config("Wso2Is7KM"));

        Assert.Equal(200, (await h.UpdateKeyManagerAsync(id, "enabled", false)).Status);
        Assert.Equal("false", (await h.GetKeyManagerAsync(id)).Text("enabled"));
        Assert.Equal(200, (await h.UpdateKeyManagerAsync(id, "enabled", true)).Status);
        Assert.Equal("true", (await h.GetKeyManagerAsync(id)).Text("enabled"));
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(id)).Status);
    }

    // F/key_manager_config.feature:477, row L487
    [Fact]
    public async Task Creating_a_WSO2_IS_7_key_manager_with_a_name_that_already_exists_is_rejected()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var (_, name) = await h.CreateKeyManagerAsync(Wso2Harness.Is7Config("Wso2Is7KM"));
        var again = Wso2Harness.Is7Config("Wso2Is7KM");
        again["name"] = name;

        Assert.Equal(409, (await h.PostKeyManagerAsync(again)).Status);
    }

    // F/key_manager_config.feature:494, row L508 (wso2is7-config-malformed-endpoints.json)
    [Fact]
    public async Task A_WSO2_IS_7_key_manager_with_malformed_endpoint_URLs_is_accepted_and_stored_verbatim()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var body = Wso2Harness.Is7Config("Wso2Is7KM");
        foreach (var (field, value) in new Dictionary<string, string>
                 {
                     ["tokenEndpoint"] = "is7.example.com:9444/oauth2/token", ["issuer"] = "not-a-valid-url",
                     ["introspectionEndpoint"] = "is7.example.com:9444/oauth2/introspect", ["revokeEndpoint"] = "is7.example.com:9444/oauth2/revoke",
                     ["authorizeEndpoint"] = "is7.example.com:9444/oauth2/authorize", ["userInfoEndpoint"] = "is7.example.com:9444/scim2/Me",
                     ["clientRegistrationEndpoint"] = "is7.example.com:9444/api/identity/oauth2/dcr/v1.1/register",
                     ["scopeManagementEndpoint"] = "is7.example.com:9444/api/identity/oauth2/v1.0/scopes",
                 })
            body[field] = value;
        body["certificates"] = new JsonObject { ["type"] = "JWKS", ["value"] = "is7.example.com:9444/oauth2/jwks" };
        body["additionalProperties"]!["api_resource_management_endpoint"] = "is7.example.com:9444/api/server/v1/api-resources";
        body["additionalProperties"]!["is7_roles_endpoint"] = "is7.example.com:9444/scim2/v2/Roles";

        var (id, _) = await h.CreateKeyManagerAsync(body);
        var read = await h.GetKeyManagerAsync(id);

        Assert.Equal(200, read.Status);
        Assert.Equal("is7.example.com:9444/oauth2/token", read.Text("tokenEndpoint"));
        Assert.Equal("not-a-valid-url", read.Text("issuer"));
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(id)).Status);
    }

    // F/key_manager_config.feature:514, row L526
    [Fact]
    public async Task Updating_a_WSO2_IS_7_key_managers_connector_type_is_rejected()
    {
        await using var h = await Wso2Harness.StartAsync(fixture);
        var (id, _) = await h.CreateKeyManagerAsync(Wso2Harness.Is7Config("Wso2Is7KM"));

        Assert.Equal(400, (await h.UpdateKeyManagerAsync(id, "type", "Okta")).Status);
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(id)).Status);
    }

    /// <summary>Creates the Key Manager, reads it back (200) with each of <paramref name="expected"/> in it, deletes it (200).</summary>
    private static async Task AssertStoredAsync(Wso2Harness h, JsonObject body, params string[] expected)
    {
        var (id, _) = await h.CreateKeyManagerAsync(body);
        var read = await h.GetKeyManagerAsync(id);

        Assert.Equal(200, read.Status);
        foreach (var text in expected)
            Assert.Contains(text, read.Body!.ToJsonString());
        Assert.Equal(200, (await h.DeleteKeyManagerAsync(id)).Status);
    }

    private static string SelfSignedPem()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=is7.example.com", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return certificate.ExportCertificatePem();
    }
}
