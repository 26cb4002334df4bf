using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace KmLab.Provisioner.Apim;

// Models of the Admin REST API v4 (admin-api.yaml of APIM 4.3–4.6), named as the spec names them.

/// <summary>A Key Manager. The endpoint fields are deprecated in the spec but are what the admin portal sends;
/// APIM copies them into <see cref="AdditionalProperties"/>, where the IS 7 connector reads them.</summary>
public sealed record KeyManager
{
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
    public IReadOnlyList<KeyManagerEndpoint>? Endpoints { get; init; }
    public KeyManagerCertificates? Certificates { get; init; }
    public string? Issuer { get; init; }
    public string? Alias { get; init; }
    public string? ScopeManagementEndpoint { get; init; }
    public IReadOnlyList<string>? AvailableGrantTypes { get; init; }
    public bool? EnableTokenGeneration { get; init; }
    public bool? EnableTokenEncryption { get; init; }
    public bool? EnableTokenHashing { get; init; }
    public bool? EnableMapOAuthConsumerApps { get; init; }
    public bool? EnableOAuthAppCreation { get; init; }
    public bool? EnableSelfValidationJWT { get; init; }
    public IReadOnlyList<ClaimMappingEntry>? ClaimMapping { get; init; }
    public string? ConsumerKeyClaim { get; init; }
    public string? ScopesClaim { get; init; }
    public IReadOnlyList<TokenValidation>? TokenValidation { get; init; }
    public bool? Enabled { get; init; }
    public bool? Global { get; init; }

    /// <summary>The connector's settings (and the server's copies of the endpoints): a free-form JSON object.</summary>
    public JsonObject? AdditionalProperties { get; init; }

    public KeyManagerPermissions? Permissions { get; init; }

    /// <summary>EXCHANGED, DIRECT (default) or BOTH.</summary>
    public string? TokenType { get; init; }

    /// <summary>APIM 4.5.0+.</summary>
    public IReadOnlyList<string>? AllowedOrganizations { get; init; }

    /// <summary>Keeps the connector's credentials (in <see cref="AdditionalProperties"/>) out of any log line.</summary>
    public override string ToString() => $"Key Manager {Name} ({Type}, id {Id ?? "none"})";
}

public sealed record KeyManagerEndpoint(string Name, string Value);

/// <summary><c>type</c> JWKS (value: the JWKS URL) or PEM (value: base64 of the whole PEM text).</summary>
public sealed record KeyManagerCertificates(string Type, string Value);

public sealed record ClaimMappingEntry(string? RemoteClaim, string? LocalClaim);

public sealed record TokenValidation
{
    public int? Id { get; init; }
    public bool? Enable { get; init; }
    public string? Type { get; init; }
    public JsonNode? Value { get; init; }
}

public sealed record KeyManagerPermissions
{
    /// <summary>PUBLIC (default), ALLOW or DENY.</summary>
    public string? PermissionType { get; init; }
    public IReadOnlyList<string>? Roles { get; init; }
}

/// <summary>One row of <c>GET /key-managers</c>.</summary>
public sealed record KeyManagerInfo
{
    public string? Id { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public string? DisplayName { get; init; }
    public string? Description { get; init; }
    public bool? Enabled { get; init; }
    public bool? IsGlobal { get; init; }
    public bool? IsUsed { get; init; }
    public string? TokenType { get; init; }
}

/// <summary>What <c>POST /key-managers/discover</c> answers: a Key Manager filled from a well-known document, unsaved.</summary>
public sealed record KeyManagerWellKnownResponse
{
    public bool Valid { get; init; }
    public KeyManager? Value { get; init; }
}

/// <summary>The part of <c>GET /settings</c> that <c>register</c> reads: the installed Key Manager connectors.</summary>
public sealed record Settings
{
    public IReadOnlyList<string>? Scopes { get; init; }
    public IReadOnlyList<KeyManagerConnectorConfiguration> KeyManagerConfiguration { get; init; } = [];
}

/// <summary>One installed Key Manager connector (an item of <c>Settings.keyManagerConfiguration</c>).</summary>
public sealed record KeyManagerConnectorConfiguration
{
    public required string Type { get; init; }
    public string? DisplayName { get; init; }
    public string? DefaultConsumerKeyClaim { get; init; }
    public string? DefaultScopesClaim { get; init; }
    public IReadOnlyList<KeyManagerConfiguration>? AuthConfigurations { get; init; }
    public IReadOnlyList<KeyManagerConfiguration> Configurations { get; init; } = [];
    public IReadOnlyList<KeyManagerConfiguration>? EndpointConfigurations { get; init; }
}

/// <summary>One connector setting, as the admin portal renders it.</summary>
public sealed record KeyManagerConfiguration
{
    public required string Name { get; init; }
    public string? Label { get; init; }
    public string? Type { get; init; }
    public bool Required { get; init; }
    public bool Mask { get; init; }
    public bool? Multiple { get; init; }
    public string? Tooltip { get; init; }
    public JsonNode? Default { get; init; }
    public IReadOnlyList<JsonNode>? Values { get; init; }
    public bool? UpdateDisabled { get; init; }
}

/// <summary>The error body of every 4xx/5xx of the WSO2 REST APIs.</summary>
public sealed record Error
{
    public long Code { get; init; }
    public string? Message { get; init; }
    public string? Description { get; init; }
    public string? MoreInfo { get; init; }
    [JsonPropertyName("error")]
    public IReadOnlyList<ErrorListItem>? Errors { get; init; }
}

public sealed record ErrorListItem(string? Code, string? Message);
