using System.Text.Json;
using System.Text.Json.Nodes;
using KmLab.Provisioner.Apim;
using static KmLab.Lab.Wso2.Is7Connector;

namespace KmLab.Provisioner.Register;

/// <summary>The Key Manager <c>register</c> wants APIM to hold, and how it compares with what APIM holds.</summary>
internal static class KeyManagerDefinition
{
    public const string Description = "WSO2 Identity Server 7, registered by KmLab";

    /// <summary>Completes what APIM discovered from IS's well-known document: server-to-server endpoints on IS's
    /// internal URL, browser-facing ones on its display URL, the IS 7 claims and the connector's settings.</summary>
    public static KeyManager Build(RegisterRequest request, KeyManager discovered, IReadOnlyList<string> grantTypes,
        JsonObject connectorProperties, ApiManagerVersion version)
    {
        var inner = request.IsInternalUrl;
        var display = request.EffectiveIsDisplayUrl;
        return new KeyManager
        {
            Name = request.KeyManagerName,
            DisplayName = request.KeyManagerName,
            Type = Is7Connector.Type,
            Description = Description,
            WellKnownEndpoint = Url(inner, IdentityServerEndpoints.WellKnown),
            // The issuer is what IS writes into iss (its [server] hostname), not the URL APIM reached it by.
            Issuer = discovered.Issuer,
            ClientRegistrationEndpoint = Url(inner, IdentityServerEndpoints.ClientRegistration),
            IntrospectionEndpoint = Url(inner, IdentityServerEndpoints.Introspect),
            TokenEndpoint = Url(inner, IdentityServerEndpoints.Token),
            RevokeEndpoint = Url(inner, IdentityServerEndpoints.Revoke),
            UserInfoEndpoint = Url(inner, IdentityServerEndpoints.ScimMe),
            ScopeManagementEndpoint = Url(inner, IdentityServerEndpoints.Scopes),
            DisplayTokenEndpoint = Url(display, IdentityServerEndpoints.Token),
            DisplayRevokeEndpoint = Url(display, IdentityServerEndpoints.Revoke),
            AuthorizeEndpoint = Url(display, IdentityServerEndpoints.Authorize),
            Certificates = new KeyManagerCertificates(CertificateTypeJwks, Url(inner, IdentityServerEndpoints.Jwks)),
            AvailableGrantTypes = grantTypes,
            ConsumerKeyClaim = ConsumerKeyClaim,
            ScopesClaim = ScopesClaim,
            EnableTokenGeneration = true,
            EnableMapOAuthConsumerApps = true,
            EnableOAuthAppCreation = true,
            EnableSelfValidationJWT = true,
            Enabled = true,
            TokenType = TokenTypeDirect,
            AdditionalProperties = connectorProperties,
            AllowedOrganizations = version.HasRoleCreation ? [AllOrganizations] : null,
        };
    }

    /// <summary>The lab's grant types that IS advertises, keeping the lab's order; the rest are returned as dropped.</summary>
    public static (IReadOnlyList<string> Kept, IReadOnlyList<string> Dropped) GrantTypes(IEnumerable<string>? advertised)
    {
        var offered = new HashSet<string>(advertised ?? [], StringComparer.Ordinal);
        return (SeedGrantTypes.Where(offered.Contains).ToList(), SeedGrantTypes.Where(g => !offered.Contains(g)).ToList());
    }

    /// <summary>The connector's settings. Where <c>/settings</c> lists the connector's fields, send the ones it lists
    /// (credentials always); otherwise follow the facts for <paramref name="version"/>. A required field register
    /// cannot fill stops the run before anything is written. The body carries every setting flat in
    /// <c>additionalProperties</c>, also those <c>/settings</c> nests under the 4.6.0+ <c>Authentication</c> dropdown.</summary>
    public static JsonObject ConnectorProperties(RegisterRequest request, KeyManagerConnectorConfiguration connector, ApiManagerVersion version)
    {
        var known = new JsonObject
        {
            [Properties.Username] = request.AdminUser,
            [Properties.Password] = request.AdminPassword,
            [Properties.ApiResourceManagementEndpoint] = Url(request.IsInternalUrl, IdentityServerEndpoints.ApiResources),
            [Properties.RolesEndpoint] = Url(request.IsInternalUrl, IdentityServerEndpoints.Roles),
            // prepare writes [role_mgt] allow_system_prefix_for_role = true, which IS needs for this.
            [Properties.EnableRolesCreation] = true,
            [Properties.Authentication] = Properties.BasicAuth,
            [Properties.UserSchemaCacheEnabled] = true,
        };

        var listed = connector.Configurations.Concat(AuthenticationFields(connector)).ToList();
        IEnumerable<string> wanted;
        if (listed.Count > 0)
        {
            var unknown = listed.Where(c => c.Required && !known.ContainsKey(c.Name)).Select(c => c.Name).ToList();
            if (unknown.Count > 0)
                throw new LabException(ExitCodes.ConnectorPropertyMissing,
                    $"this APIM's {Is7Connector.Type} connector requires {string.Join(", ", unknown.Select(n => $"'{n}'"))}, which register does not know how to fill; add it to the connector facts (Core/Wso2/ApimEndpoints.cs) for this APIM version.");
            wanted = listed.Select(c => c.Name).Concat([Properties.Username, Properties.Password]);
        }
        else
        {
            wanted = FactsFor(version);
        }

        var names = wanted.Where(known.ContainsKey).ToHashSet();
        var properties = new JsonObject();
        // In the order of `known`, so the body reads the same on every run.
        foreach (var (name, value) in known)
            if (names.Contains(name)) properties[name] = value?.DeepClone();
        properties[Properties.SelfValidateJwt] = true;
        return properties;
    }

    /// <summary>The fields of <c>authConfigurations</c> that apply with basic authentication. From APIM 4.6.0
    /// (connector 2.0.8) it holds one <c>Authentication</c> dropdown whose values are the authentication types, each
    /// with its own fields: <c>BasicAuth</c> {Username, Password}, <c>MutualTLS</c> {IdentityUser, MutualTLSOptions}.
    /// APIM validates only the chosen type's fields, so the other types' required fields are not register's to fill.</summary>
    internal static IEnumerable<KeyManagerConfiguration> AuthenticationFields(KeyManagerConnectorConfiguration connector)
    {
        foreach (var field in connector.AuthConfigurations ?? [])
        {
            yield return field;
            var options = (field.Values ?? []).OfType<JsonObject>()
                .Select(v => v.Deserialize<KeyManagerConfiguration>(ApimJson.Options)!).ToList();
            if (field.Name != Properties.Authentication || options.Count == 0) continue;
            var basic = options.FirstOrDefault(o => o.Name == Properties.BasicAuth)
                        ?? throw new LabException(ExitCodes.ConnectorPropertyMissing,
                            $"this APIM's {Is7Connector.Type} connector offers authentication {string.Join(", ", options.Select(o => $"'{o.Name}'"))} but not '{Properties.BasicAuth}', which register uses (the admin's Username and Password); register cannot fill this connector, use an APIM version whose connector offers {Properties.BasicAuth}.");
            foreach (var nested in (basic.Values ?? []).OfType<JsonObject>())
                yield return nested.Deserialize<KeyManagerConfiguration>(ApimJson.Options)!;
        }
    }

    /// <summary>The connector's properties by APIM version (wso2-extensions/apim-km-wso2is@df27fd8c:components/wso2is7.key.manager/src/main/java/org/wso2/is7/client/WSO2IS7ConnectorConfiguration.java at the tag each APIM version ships).</summary>
    public static IEnumerable<string> FactsFor(ApiManagerVersion version)
    {
        IEnumerable<string> names = RequiredProperties(version);
        if (version.HasRoleCreation) names = names.Append(Properties.EnableRolesCreation);
        if (version.HasAuthenticationMode) names = names.Append(Properties.UserSchemaCacheEnabled);
        return names;
    }

    /// <summary>The fields of <paramref name="desired"/> that <paramref name="existing"/> does not already hold.
    /// Only what register sets is compared (APIM adds its own copies and defaults); a masked password counts as equal,
    /// and lists compare as sets.</summary>
    public static IReadOnlyList<string> Differences(KeyManager desired, KeyManager existing)
    {
        var want = JsonSerializer.SerializeToNode(desired with { Id = null }, ApimJson.Options)!.AsObject();
        var have = JsonSerializer.SerializeToNode(existing, ApimJson.Options)!.AsObject();
        var differences = new List<string>();
        foreach (var (name, value) in want)
        {
            if (name == "additionalProperties")
            {
                var stored = have[name] as JsonObject;
                foreach (var (key, setting) in value!.AsObject())
                {
                    var current = stored?[key];
                    var masked = key == Properties.Password && current?.GetValueKind() == JsonValueKind.String
                                 && current.GetValue<string>() == MaskedValue;
                    if (!masked && !Same(setting, current)) differences.Add($"{name}.{key}");
                }
            }
            else if (!Same(value, have[name]))
            {
                differences.Add(name);
            }
        }

        return differences;
    }

    /// <summary>The body as a person may see it: every masked connector setting replaced by <c>*****</c>.</summary>
    public static KeyManager Masked(KeyManager keyManager)
    {
        var properties = keyManager.AdditionalProperties?.DeepClone().AsObject();
        if (properties?.ContainsKey(Properties.Password) == true) properties[Properties.Password] = MaskedValue;
        return keyManager with { AdditionalProperties = properties };
    }

    private static bool Same(JsonNode? a, JsonNode? b) => (a, b) switch
    {
        (null, null) => true,
        (JsonArray x, JsonArray y) => x.Select(Scalar).Order().SequenceEqual(y.Select(Scalar).Order()),
        (JsonObject, JsonObject) => JsonNode.DeepEquals(a, b),
        (JsonValue, JsonValue) => Scalar(a) == Scalar(b),
        _ => false,
    };

    // APIM hands some booleans back as strings ("true"): compare scalars by their text.
    private static string Scalar(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    private static string Url(Uri baseUrl, string path) => baseUrl.GetLeftPart(UriPartial.Authority) + path;
}
