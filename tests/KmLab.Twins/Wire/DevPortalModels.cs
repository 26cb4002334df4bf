using System.Text.Json.Nodes;

namespace KmLab.Twins.Wire;

// The DevPortal REST API v3 as WSO2 publishes it, schema by schema (names, types, enums, required-ness), for APIM
// 4.3.0-4.7.0: wso2/carbon-apimgt components/apimgt/org.wso2.carbon.apimgt.rest.api.store.v1/src/main/resources/
// devportal-api.yaml at fb680d80 (9.29.120, APIM 4.3.0), f3adc4d4 (9.30.67, 4.4.0), 2a785f86 (9.31.86, 4.5.0),
// e62b84c9 (9.32.147, 4.6.0) and e875803d (9.33.89; APIM 4.7.0 ships 9.33.122). Only the schemas and fields the twin
// serves or reads are modelled; the server's DTOs are generated from the same file
// (rest.api.store.v1/src/gen/java/.../dto), so a field not in the spec is one the real server never writes.
// The REST layer writes unset fields as null (WireJson.Rest); the generated DTOs start every list and map empty and
// some scalars at a default (ApplicationDTO at wso2/carbon-apimgt@0fafbc2d: tokenType JWT, status ""), which the
// records below repeat as their initial values.

/// <summary><c>Application</c>: <c>name</c> and <c>throttlingPolicy</c> required.</summary>
internal sealed record Application
{
    /// <summary>Read-only.</summary>
    public string? ApplicationId { get; init; }
    public required string Name { get; init; }
    public required string ThrottlingPolicy { get; init; }
    public string? Description { get; init; }

    /// <summary>OAUTH or JWT (default).</summary>
    public string? TokenType { get; init; } = "JWT";

    /// <summary>Read-only (the workflow status, e.g. APPROVED); the DTO starts it empty.</summary>
    public string? Status { get; init; } = "";
    public IReadOnlyList<string>? Groups { get; init; } = [];

    /// <summary>Read-only.</summary>
    public int? SubscriptionCount { get; init; }

    /// <summary>Read-only.</summary>
    public IReadOnlyList<ApplicationKey>? Keys { get; init; } = [];

    /// <summary>A string-to-string map.</summary>
    public JsonObject? Attributes { get; init; } = [];

    /// <summary>Read-only.</summary>
    public string? Owner { get; init; }
}

/// <summary><c>ApplicationInfo</c>, one row of <c>GET /applications</c>: nothing required.</summary>
internal sealed record ApplicationInfo
{
    public string? ApplicationId { get; init; }
    public string? Name { get; init; }
    public string? ThrottlingPolicy { get; init; }
    public string? Description { get; init; }
    public string? Status { get; init; }
    public string? Owner { get; init; }
}

/// <summary><c>ApplicationList</c>.</summary>
internal sealed record ApplicationList
{
    public int? Count { get; init; }
    public IReadOnlyList<ApplicationInfo> List { get; init; } = [];
}

/// <summary><c>ApplicationKeyGenerateRequest</c>, the body of <c>POST /applications/{applicationId}/generate-keys</c>:
/// <c>keyType</c> and <c>grantTypesToBeSupported</c> required.</summary>
internal sealed record ApplicationKeyGenerateRequest
{
    /// <summary>PRODUCTION or SANDBOX.</summary>
    public required string KeyType { get; init; }

    /// <summary>The Key Manager's name.</summary>
    public string? KeyManager { get; init; }
    public required IReadOnlyList<string> GrantTypesToBeSupported { get; init; }
    public string? CallbackUrl { get; init; }
    public IReadOnlyList<string>? Scopes { get; init; }
    public string? ValidityTime { get; init; }

    /// <summary>A Java Object: the Key Manager's application settings.</summary>
    public JsonObject? AdditionalProperties { get; init; }
}

/// <summary><c>ApplicationKey</c>: an application's keys for one Key Manager and key type; nothing required.</summary>
internal sealed record ApplicationKey
{
    /// <summary>Read-only.</summary>
    public string? KeyMappingId { get; init; }
    public string? KeyManager { get; init; }

    /// <summary>Read-only.</summary>
    public string? ConsumerKey { get; init; }

    /// <summary>Read-only.</summary>
    public string? ConsumerSecret { get; init; }
    public IReadOnlyList<string>? SupportedGrantTypes { get; init; } = [];
    public string? CallbackUrl { get; init; }

    /// <summary>A free string in the spec (the key mapping's workflow state, e.g. APPROVED, COMPLETED).</summary>
    public string? KeyState { get; init; }

    /// <summary>PRODUCTION or SANDBOX.</summary>
    public string? KeyType { get; init; }

    /// <summary>MAPPED or CREATED.</summary>
    public string? Mode { get; init; }
    public string? GroupId { get; init; }
    public ApplicationToken? Token { get; init; }

    /// <summary>A Java Object: the Key Manager's application settings.</summary>
    public JsonObject? AdditionalProperties { get; init; }

    /// <summary>Keeps the consumer secret out of any log line that prints the key.</summary>
    public override string ToString() => $"{KeyType} key {ConsumerKey} of Key Manager {KeyManager} ({KeyState})";
}

/// <summary><c>ApplicationToken</c>: the token generate-keys obtained from the Key Manager.</summary>
internal sealed record ApplicationToken
{
    public string? AccessToken { get; init; }
    public IReadOnlyList<string>? TokenScopes { get; init; } = [];

    /// <summary>int64, seconds.</summary>
    public long? ValidityTime { get; init; }

    public override string ToString() => $"application token, scopes {string.Join(' ', TokenScopes ?? [])}";
}

/// <summary><c>ApplicationKeyList</c>.</summary>
internal sealed record ApplicationKeyList
{
    public int? Count { get; init; }
    public IReadOnlyList<ApplicationKey> List { get; init; } = [];
}

/// <summary><c>Subscription</c>: an application's subscription to an API; <c>applicationId</c> and
/// <c>throttlingPolicy</c> required.</summary>
internal sealed record Subscription
{
    /// <summary>Read-only.</summary>
    public string? SubscriptionId { get; init; }
    public required string ApplicationId { get; init; }
    public string? ApiId { get; init; }
    public required string ThrottlingPolicy { get; init; }

    /// <summary>BLOCKED, PROD_ONLY_BLOCKED, UNBLOCKED (active), ON_HOLD, REJECTED, TIER_UPDATE_PENDING or DELETE_PENDING.</summary>
    public string? Status { get; init; }
}

/// <summary><c>SubscriptionList</c>.</summary>
internal sealed record SubscriptionList
{
    public int? Count { get; init; }
    public IReadOnlyList<Subscription> List { get; init; } = [];
}

/// <summary>Body of the DevPortal's <c>generate-token</c> (devportal-api.yaml ApplicationTokenGenerateRequest).</summary>
internal sealed record ApplicationTokenGenerateRequest
{
    public string? ConsumerSecret { get; init; }
    public long? ValidityPeriod { get; init; }
    public IReadOnlyList<string>? Scopes { get; init; }
    public string? RevokeToken { get; init; }
    public string? GrantType { get; init; }
}

/// <summary>devportal-api.yaml KeyManagerInfo (not the Admin API's schema of the same name).</summary>
internal sealed record DevPortalKeyManagerInfo
{
    public string? Id { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public string? DisplayName { get; init; }
    public string? Description { get; init; }
    public bool? Enabled { get; init; }
    public IReadOnlyList<string>? AvailableGrantTypes { get; init; } = [];
    public string? TokenEndpoint { get; init; }
    public string? RevokeEndpoint { get; init; }
    public string? UserInfoEndpoint { get; init; }
    public bool? EnableTokenGeneration { get; init; }
    public bool? EnableTokenEncryption { get; init; }
    public bool? EnableTokenHashing { get; init; }
    public bool? EnableOAuthAppCreation { get; init; }
    public bool? EnableMapOAuthConsumerApps { get; init; }
    public IReadOnlyList<JsonObject>? ApplicationConfiguration { get; init; } = [];
    public string? Alias { get; init; }
    public JsonObject? AdditionalProperties { get; init; }
    public string? TokenType { get; init; }
}

internal sealed record DevPortalKeyManagerList
{
    public int? Count { get; init; }
    public IReadOnlyList<DevPortalKeyManagerInfo> List { get; init; } = [];
}
