using System.Text.Json.Nodes;

namespace KmLab.Twins.Wire;

// The Publisher REST API v4 as WSO2 publishes it, schema by schema (names, types, enums, required-ness), for APIM
// 4.3.0-4.7.0: wso2/carbon-apimgt components/apimgt/org.wso2.carbon.apimgt.rest.api.publisher.v1/src/main/resources/
// publisher-api.yaml at fb680d80 (9.29.120, APIM 4.3.0), f3adc4d4 (9.30.67, 4.4.0), 2a785f86 (9.31.86, 4.5.0),
// e62b84c9 (9.32.147, 4.6.0) and e875803d (9.33.89; APIM 4.7.0 ships 9.33.122). Only the schemas and fields the twin
// serves or reads are modelled; the server's DTOs are generated from the same file
// (rest.api.publisher.v1.common/src/gen/java/.../dto), so a field not in the spec is one the real server never writes.
// The REST layer writes unset fields as null (WireJson.Rest); the generated DTOs start every list empty (as in
// AdminModels.cs), which the records below repeat as their initial values.

/// <summary><c>API</c>: <c>name</c>, <c>context</c> and <c>version</c> required.</summary>
internal sealed record Api
{
    /// <summary>Read-only.</summary>
    public string? Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>The context without the version; the gateway serves the API at <c>{context}/{version}</c>.</summary>
    public required string Context { get; init; }
    public required string Version { get; init; }
    public string? Provider { get; init; }

    /// <summary>CREATED, PUBLISHED, ... (a free string in the spec); set by lifecycle changes, never by PUT.</summary>
    public string? LifeCycleStatus { get; init; }

    /// <summary>HTTP (default), WS, SOAPTOREST, SOAP, GRAPHQL, WEBSUB, SSE, WEBHOOK or ASYNC.</summary>
    public string? Type { get; init; }
    public IReadOnlyList<string>? Transport { get; init; } = [];

    /// <summary>The subscription tiers (business plans) applications may subscribe with.</summary>
    public IReadOnlyList<string>? Policies { get; init; } = [];
    public IReadOnlyList<string>? SecurityScheme { get; init; } = [];

    /// <summary>Read-only; <c>type: object</c> without properties in the spec (a Java Object), which the server
    /// fills with the list of Key Manager names whose tokens the gateway accepts (<c>all</c> by default).</summary>
    public IReadOnlyList<string>? KeyManagers { get; init; }

    /// <summary>PUBLIC (default), PRIVATE or RESTRICTED.</summary>
    public string? Visibility { get; init; }

    /// <summary>A Java Object in the spec: <c>endpoint_type</c>, <c>production_endpoints.url</c>, <c>sandbox_endpoints.url</c>.</summary>
    public JsonObject? EndpointConfig { get; init; }
    public IReadOnlyList<ApiOperation>? Operations { get; init; } = [];

    /// <summary>The API's scopes: local ones (<c>shared: false</c>, defined here) and shared ones (by name).</summary>
    public IReadOnlyList<ApiScope>? Scopes { get; init; } = [];
}

/// <summary><c>APIOperations</c>: nothing required.</summary>
internal sealed record ApiOperation
{
    public string? Id { get; init; }
    public string? Target { get; init; }
    public string? Verb { get; init; }

    /// <summary>Default <c>Any</c>; <c>None</c> for an operation served without a token.</summary>
    public string? AuthType { get; init; }
    public string? ThrottlingPolicy { get; init; }

    /// <summary>A token needs any one of these scopes for this operation.</summary>
    public IReadOnlyList<string>? Scopes { get; init; } = [];
}

/// <summary><c>APIScope</c>: a scope (required) and whether it is a shared one.</summary>
internal sealed record ApiScope
{
    public required Scope Scope { get; init; }
    public bool? Shared { get; init; }
}

/// <summary><c>Scope</c> (also the body of <c>/scopes</c>, the shared scopes): <c>name</c> required.</summary>
internal sealed record Scope
{
    /// <summary>Read-only.</summary>
    public string? Id { get; init; }
    public required string Name { get; init; }
    public string? DisplayName { get; init; }
    public string? Description { get; init; }

    /// <summary>The APIM roles the scope is bound to.</summary>
    public IReadOnlyList<string>? Bindings { get; init; } = [];

    /// <summary>Read-only.</summary>
    public int? UsageCount { get; init; }
}

/// <summary><c>ScopeList</c>.</summary>
internal sealed record ScopeList
{
    public int? Count { get; init; }
    public IReadOnlyList<Scope> List { get; init; } = [];
}

/// <summary><c>APIInfo</c>, one row of <c>GET /apis</c>: nothing required.</summary>
internal sealed record ApiInfo
{
    public string? Id { get; init; }
    public string? Name { get; init; }
    public string? Context { get; init; }
    public string? Version { get; init; }
    public string? Provider { get; init; }
    public string? Type { get; init; }
    public string? LifeCycleStatus { get; init; }
}

/// <summary><c>APIList</c>.</summary>
internal sealed record ApiList
{
    public int? Count { get; init; }
    public IReadOnlyList<ApiInfo> List { get; init; } = [];
}

/// <summary><c>APIRevision</c>: a frozen copy of an API that can be deployed to gateways.</summary>
internal sealed record ApiRevision
{
    /// <summary>Read-only.</summary>
    public string? Id { get; init; }

    /// <summary>Read-only (<c>Revision N</c>).</summary>
    public string? DisplayName { get; init; }
    public string? Description { get; init; }

    /// <summary>Read-only, <c>date-time</c>.</summary>
    public DateTimeOffset? CreatedTime { get; init; }

    /// <summary>Read-only.</summary>
    public IReadOnlyList<ApiRevisionDeployment>? DeploymentInfo { get; init; } = [];
}

/// <summary><c>APIRevisionList</c>.</summary>
internal sealed record ApiRevisionList
{
    public int? Count { get; init; }
    public IReadOnlyList<ApiRevision> List { get; init; } = [];
}

/// <summary><c>APIRevisionDeployment</c>: a revision deployed (or to deploy) to one gateway environment; nothing required.</summary>
internal sealed record ApiRevisionDeployment
{
    public string? RevisionUuid { get; init; }

    /// <summary>The gateway environment's name, e.g. <c>Default</c>.</summary>
    public string? Name { get; init; }
    public string? Vhost { get; init; }

    /// <summary>Default true from 4.4.0 (no default in 4.3.0).</summary>
    public bool? DisplayOnDevportal { get; init; }

    /// <summary>CREATED (default), APPROVED or REJECTED (deployment workflow).</summary>
    public string? Status { get; init; }

    /// <summary>Read-only, <c>date-time</c>.</summary>
    public DateTimeOffset? DeployedTime { get; init; }
}

/// <summary><c>APIRevisionDeploymentList</c>: a list only, no count.</summary>
internal sealed record ApiRevisionDeploymentList
{
    public IReadOnlyList<ApiRevisionDeployment> List { get; init; } = [];
}

/// <summary><c>WorkflowResponse</c>, the answer to a lifecycle change: <c>workflowStatus</c> required.</summary>
internal sealed record WorkflowResponse
{
    /// <summary>CREATED (pending approval), APPROVED, REJECTED or REGISTERED.</summary>
    public required string WorkflowStatus { get; init; }
    public string? JsonPayload { get; init; }
    public LifecycleState? LifecycleState { get; init; }
}

/// <summary><c>LifecycleState</c>.</summary>
internal sealed record LifecycleState
{
    public string? State { get; init; }
}
