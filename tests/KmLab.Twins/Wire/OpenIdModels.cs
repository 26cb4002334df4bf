using System.Text.Json.Serialization;

namespace KmLab.Twins.Wire;

/// <summary>The OpenID Provider metadata IS 7 serves at its well-known URL (OpenID Connect Discovery 1.0 names).</summary>
internal sealed record OpenIdConfiguration
{
    [JsonPropertyName("issuer")] public required string Issuer { get; init; }
    [JsonPropertyName("authorization_endpoint")] public string? AuthorizationEndpoint { get; init; }
    [JsonPropertyName("token_endpoint")] public string? TokenEndpoint { get; init; }
    [JsonPropertyName("userinfo_endpoint")] public string? UserInfoEndpoint { get; init; }
    [JsonPropertyName("jwks_uri")] public string? JwksUri { get; init; }
    [JsonPropertyName("registration_endpoint")] public string? RegistrationEndpoint { get; init; }
    [JsonPropertyName("introspection_endpoint")] public string? IntrospectionEndpoint { get; init; }
    [JsonPropertyName("revocation_endpoint")] public string? RevocationEndpoint { get; init; }
    [JsonPropertyName("end_session_endpoint")] public string? EndSessionEndpoint { get; init; }
    [JsonPropertyName("device_authorization_endpoint")] public string? DeviceAuthorizationEndpoint { get; init; }
    [JsonPropertyName("grant_types_supported")] public IReadOnlyList<string>? GrantTypesSupported { get; init; }
    [JsonPropertyName("response_types_supported")] public IReadOnlyList<string>? ResponseTypesSupported { get; init; }
    [JsonPropertyName("scopes_supported")] public IReadOnlyList<string>? ScopesSupported { get; init; }
    [JsonPropertyName("subject_types_supported")] public IReadOnlyList<string>? SubjectTypesSupported { get; init; }
    [JsonPropertyName("id_token_signing_alg_values_supported")] public IReadOnlyList<string>? IdTokenSigningAlgValuesSupported { get; init; }
    [JsonPropertyName("token_endpoint_auth_methods_supported")] public IReadOnlyList<string>? TokenEndpointAuthMethodsSupported { get; init; }
    [JsonPropertyName("claims_supported")] public IReadOnlyList<string>? ClaimsSupported { get; init; }
}
