using System.Text.Json.Nodes;

namespace KmLab.Provisioner.Apim;

// Models of the DevPortal REST API v3 (devportal-api.yaml), named as the spec names them.

public sealed record Application
{
    public string? ApplicationId { get; init; }
    public required string Name { get; init; }
    public required string ThrottlingPolicy { get; init; }
    public string? Description { get; init; }

    /// <summary>JWT or OAUTH.</summary>
    public string? TokenType { get; init; }
    public string? Status { get; init; }
    public IReadOnlyList<string>? Groups { get; init; }
    public int? SubscriptionCount { get; init; }
    public IReadOnlyList<ApplicationKey>? Keys { get; init; }
    public JsonObject? Attributes { get; init; }
    public string? Owner { get; init; }
}

/// <summary>One row of <c>GET /applications</c>.</summary>
public sealed record ApplicationInfo
{
    public string? ApplicationId { get; init; }
    public required string Name { get; init; }
    public string? ThrottlingPolicy { get; init; }
    public string? Description { get; init; }
    public string? Status { get; init; }
    public string? Owner { get; init; }
}

/// <summary>Body of <c>POST /applications/{applicationId}/generate-keys</c>.</summary>
public sealed record ApplicationKeyGenerateRequest
{
    /// <summary>PRODUCTION or SANDBOX.</summary>
    public required string KeyType { get; init; }

    /// <summary>The Key Manager's name.</summary>
    public string? KeyManager { get; init; }
    public required IReadOnlyList<string> GrantTypesToBeSupported { get; init; }
    public string? CallbackUrl { get; init; }
    public IReadOnlyList<string>? Scopes { get; init; }
    public string? ValidityTime { get; init; }
    public JsonObject? AdditionalProperties { get; init; }
}

/// <summary>An application's keys for one Key Manager and key type.</summary>
public sealed record ApplicationKey
{
    public string? KeyMappingId { get; init; }
    public string? KeyManager { get; init; }
    public string? ConsumerKey { get; init; }
    public string? ConsumerSecret { get; init; }
    public IReadOnlyList<string>? SupportedGrantTypes { get; init; }
    public string? CallbackUrl { get; init; }
    public string? KeyState { get; init; }
    public string? KeyType { get; init; }
    public string? Mode { get; init; }
    public string? GroupId { get; init; }
    public JsonObject? AdditionalProperties { get; init; }

    /// <summary>A key mapping a failed key generation left behind: APIM inserts the row before it asks the Key
    /// Manager for a client and never rolls it back, so it has no consumer key and is not COMPLETED.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsHalfMade => string.IsNullOrEmpty(ConsumerKey) || KeyState is { } state && state != DevPortal.KeyStateCompleted;

    /// <summary>Keeps the consumer secret out of any log line that prints the key.</summary>
    public override string ToString() => $"{KeyType} key {ConsumerKey} of Key Manager {KeyManager} ({KeyState})";
}

/// <summary>DevPortal constants the lab uses.</summary>
public static class DevPortal
{
    public const string KeyTypeProduction = "PRODUCTION";

    /// <summary>The <c>keyState</c> of a key mapping whose client the Key Manager registered; a failed generation
    /// leaves the row in another state (CREATED) without a consumer key.</summary>
    public const string KeyStateCompleted = "COMPLETED";

    /// <summary>The throttling tier every APIM ships.</summary>
    public const string UnlimitedPolicy = "Unlimited";
    public const string TokenTypeJwt = "JWT";
}
