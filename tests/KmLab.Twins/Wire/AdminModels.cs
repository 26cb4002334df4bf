using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace KmLab.Twins.Wire;

// The Admin REST API v4 as WSO2 publishes it, schema by schema (names, types, enums, required-ness), for APIM
// 4.3.0-4.7.0: wso2/carbon-apimgt components/apimgt/org.wso2.carbon.apimgt.rest.api.admin.v1/src/main/resources/
// admin-api.yaml at fb680d80 (9.29.120, APIM 4.3.0), f3adc4d4 (9.30.67, 4.4.0), 2a785f86 (9.31.86, 4.5.0),
// e62b84c9 (9.32.147, 4.6.0) and e875803d (9.33.89; APIM 4.7.0 ships 9.33.122). Only the schemas and fields the twin
// serves or reads are modelled; a field that not every version has says from which version on. The server's DTOs are
// generated from the same file (rest.api.admin.v1/src/gen/java/.../dto), so a field not in the spec is one the real
// server never writes. tests/KmLab.Register.Tests/Contract holds the twin's answers against the spec of its version.
// The REST layer writes unset fields as null (WireJson.Rest); the generated DTOs start every list empty (e.g.
// KeyManagerDTO, ErrorDTO at wso2/carbon-apimgt@09ea70b0, @373a3cee), which the records below repeat as their initial
// values. KeyManagerDTO's Boolean defaults are not repeated: KeyManager is also the twin's stored Key Manager.

/// <summary><c>KeyManager</c>: <c>name</c> and <c>type</c> required. The endpoint fields are deprecated in the spec
/// but are what the admin portal sends; APIM copies them into <see cref="AdditionalProperties"/>, where the IS 7
/// connector reads them.</summary>
internal sealed record KeyManager
{
    /// <summary>Read-only.</summary>
    public string? Id { get; init; }
    public required string Name { get; init; }
    public string? DisplayName { get; init; }
    public required string Type { get; init; }
    public string? Description { get; init; }
    public string? WellKnownEndpoint { get; init; }
    public string? IntrospectionEndpoint { get; init; }
    public string? ClientRegistrationEndpoint { get; init; }
    public string? TokenEndpoint { get; init; }
    public string? DisplayTokenEndpoint { get; init; }
    public string? RevokeEndpoint { get; init; }
    public string? DisplayRevokeEndpoint { get; init; }
    public string? UserInfoEndpoint { get; init; }
    public string? AuthorizeEndpoint { get; init; }
    public IReadOnlyList<KeyManagerEndpoint>? Endpoints { get; init; } = [];
    public KeyManagerCertificates? Certificates { get; init; }
    public string? Issuer { get; init; }
    public string? Alias { get; init; }
    public string? ScopeManagementEndpoint { get; init; }
    public IReadOnlyList<string>? AvailableGrantTypes { get; init; } = [];
    public bool? EnableTokenGeneration { get; init; }

    /// <summary>Default false.</summary>
    public bool? EnableTokenEncryption { get; init; }

    /// <summary>Default false.</summary>
    public bool? EnableTokenHashing { get; init; }

    /// <summary>Default false.</summary>
    public bool? EnableMapOAuthConsumerApps { get; init; }

    /// <summary>Default false.</summary>
    public bool? EnableOAuthAppCreation { get; init; }

    /// <summary>Default true.</summary>
    public bool? EnableSelfValidationJWT { get; init; }
    public IReadOnlyList<ClaimMappingEntry>? ClaimMapping { get; init; } = [];
    public string? ConsumerKeyClaim { get; init; }
    public string? ScopesClaim { get; init; }
    public IReadOnlyList<TokenValidation>? TokenValidation { get; init; } = [];
    public bool? Enabled { get; init; }
    public bool? Global { get; init; }

    /// <summary><c>type: object</c> without properties (a Java Object): the connector's settings and the server's
    /// copies of the endpoints.</summary>
    public JsonObject? AdditionalProperties { get; init; }

    public KeyManagerPermissions? Permissions { get; init; }

    /// <summary>EXCHANGED, DIRECT (default) or BOTH.</summary>
    public string? TokenType { get; init; }

    /// <summary>4.5.0 on.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? AllowedOrganizations { get; init; }

    /// <summary>Keeps the connector's credentials (in <see cref="AdditionalProperties"/>) out of any log line.</summary>
    public override string ToString() => $"Key Manager {Name} ({Type}, id {Id ?? "none"})";
}

/// <summary><c>KeyManagerEndpoint</c>: both required.</summary>
internal sealed record KeyManagerEndpoint(string Name, string Value);

/// <summary><c>KeyManager.certificates</c> (inline): <c>type</c> JWKS (value: the JWKS URL) or PEM (value: base64 of
/// the whole PEM text); neither required.</summary>
internal sealed record KeyManagerCertificates(string? Type, string? Value);

/// <summary><c>ClaimMappingEntry</c>.</summary>
internal sealed record ClaimMappingEntry(string? RemoteClaim, string? LocalClaim);

/// <summary><c>TokenValidation</c>.</summary>
internal sealed record TokenValidation
{
    public int? Id { get; init; }

    /// <summary>Default true.</summary>
    public bool? Enable { get; init; } = true;

    /// <summary>REFERENCE, JWT or CUSTOM.</summary>
    public string? Type { get; init; }

    /// <summary>A Java Object: any JSON value.</summary>
    public JsonNode? Value { get; init; }
}

/// <summary><c>KeyManager.permissions</c> (inline).</summary>
internal sealed record KeyManagerPermissions
{
    /// <summary>PUBLIC (default), ALLOW or DENY.</summary>
    public string? PermissionType { get; init; }
    public IReadOnlyList<string>? Roles { get; init; } = [];
}

/// <summary><c>KeyManagerInfo</c>, one row of <c>GET /key-managers</c>: <c>name</c> and <c>type</c> required; no
/// display name in any version.</summary>
internal sealed record KeyManagerInfo
{
    public string? Id { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public string? Description { get; init; }
    public bool? Enabled { get; init; }
    public bool? IsGlobal { get; init; }
    public bool? IsUsed { get; init; }

    /// <summary>EXCHANGED, DIRECT (default) or BOTH.</summary>
    public string? TokenType { get; init; }
}

/// <summary><c>KeyManagerList</c>.</summary>
internal sealed record KeyManagerList
{
    public int? Count { get; init; }
    public IReadOnlyList<KeyManagerInfo> List { get; init; } = [];
}

/// <summary><c>KeyManagerWellKnownResponse</c>, what <c>POST /key-managers/discover</c> answers: a Key Manager
/// filled from a well-known document, unsaved.</summary>
internal sealed record KeyManagerWellKnownResponse
{
    /// <summary>Default false.</summary>
    public bool Valid { get; init; }
    public KeyManager? Value { get; init; }
}

/// <summary><c>Settings</c>, the part the twin serves: the scopes and the installed Key Manager connectors.</summary>
internal sealed record Settings
{
    public IReadOnlyList<string>? Scopes { get; init; } = [];
    public IReadOnlyList<KeyManagerConnectorConfiguration> KeyManagerConfiguration { get; init; } = [];
}

/// <summary>An item of <c>Settings.keyManagerConfiguration</c> (inline): one installed Key Manager connector.</summary>
internal sealed record KeyManagerConnectorConfiguration
{
    public string? Type { get; init; }
    public string? DisplayName { get; init; }
    public string? DefaultConsumerKeyClaim { get; init; }
    public string? DefaultScopesClaim { get; init; }

    /// <summary>4.6.0 on.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<KeyManagerConfiguration>? AuthConfigurations { get; init; }
    public IReadOnlyList<KeyManagerConfiguration> Configurations { get; init; } = [];
    public IReadOnlyList<KeyManagerConfiguration>? EndpointConfigurations { get; init; } = [];

    /// <summary>4.7.0 on (<c>ConfigurationConstraint</c> items); no connector the twin plays declares any.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<JsonObject>? ConfigurationConstraints { get; init; }
}

/// <summary><c>KeyManagerConfiguration</c>: one connector setting, as the admin portal renders it; nothing required.</summary>
internal sealed record KeyManagerConfiguration
{
    public string? Name { get; init; }
    public string? Label { get; init; }
    public string? Type { get; init; }
    public bool? Required { get; init; }
    public bool? Mask { get; init; }
    public bool? Multiple { get; init; }
    public string? Tooltip { get; init; }

    /// <summary>A Java Object: any JSON value (a string for the IS 7 connector's settings).</summary>
    public JsonNode? Default { get; init; }

    /// <summary>Java Objects: the connector's ConfigurationDto values as Jackson writes them.</summary>
    public IReadOnlyList<JsonNode>? Values { get; init; } = [];

    /// <summary>4.6.0 on (default false); absent before.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? UpdateDisabled { get; init; }
}

/// <summary><c>Error</c>, the body of every 4xx/5xx of the WSO2 REST APIs: <c>code</c> (int64) and <c>message</c>
/// required.</summary>
internal sealed record Error
{
    public required long Code { get; init; }
    public required string Message { get; init; }
    public string? Description { get; init; }
    public string? MoreInfo { get; init; }
    /// <summary>The REST layer's list, empty unless validation lists its errors; null (left out) in the gateway's
    /// and the DCR endpoint's bodies, which are not this DTO.</summary>
    [JsonPropertyName("error")]
    public IReadOnlyList<ErrorListItem>? Errors { get; init; }
}

/// <summary><c>ErrorListItem</c>: both required.</summary>
internal sealed record ErrorListItem(string Code, string Message);
