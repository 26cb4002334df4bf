using System.Text.Json.Nodes;

namespace KmLab.Twins.Wire;

// Models of the DevPortal REST API v3 (devportal-api.yaml), named as the spec names them.

internal sealed record Application
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
internal sealed record ApplicationInfo
{
    public string? ApplicationId { get; init; }
    public required string Name { get; init; }
    public string? ThrottlingPolicy { get; init; }
    public string? Description { get; init; }
    public string? Status { get; init; }
    public string? Owner { get; init; }
}

internal sealed record ApplicationList
{
    public int? Count { get; init; }
    public IReadOnlyList<ApplicationInfo> List { get; init; } = [];
}

/// <summary>Body of <c>POST /applications/{applicationId}/generate-keys</c>.</summary>
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
    public JsonObject? AdditionalProperties { get; init; }
}

/// <summary>An application's keys for one Key Manager and key type.</summary>
internal sealed record ApplicationKey
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
    public ApplicationToken? Token { get; init; }
    public JsonObject? AdditionalProperties { get; init; }

    /// <summary>Keeps the consumer secret out of any log line that prints the key.</summary>
    public override string ToString() => $"{KeyType} key {ConsumerKey} of Key Manager {KeyManager} ({KeyState})";
}

/// <summary>devportal-api.yaml ApplicationToken: the token generate-keys obtained from the Key Manager.</summary>
internal sealed record ApplicationToken
{
    public string? AccessToken { get; init; }
    public IReadOnlyList<string>? TokenScopes { get; init; }
    public long? ValidityTime { get; init; }

    public override string ToString() => $"application token, scopes {string.Join(' ', TokenScopes ?? [])}";
}

internal sealed record ApplicationKeyList
{
    public int? Count { get; init; }
    public IReadOnlyList<ApplicationKey> List { get; init; } = [];
}
