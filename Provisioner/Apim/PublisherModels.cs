using System.Text.Json.Nodes;

namespace KmLab.Provisioner.Apim;

// Models of the Publisher REST API v4 (publisher-api.yaml) and of the DevPortal v3 subscriptions
// (devportal-api.yaml), named as the specs name them; only the fields the lab reads or sends.

/// <summary>An API as the Publisher stores it.</summary>
public sealed record Api
{
    public string? Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }

    /// <summary>The context without the version; the gateway serves the API at <c>{context}/{version}</c>.</summary>
    public required string Context { get; init; }
    public required string Version { get; init; }
    public string? Provider { get; init; }

    /// <summary>CREATED, PUBLISHED, ...; set by lifecycle changes, never by PUT.</summary>
    public string? LifeCycleStatus { get; init; }

    /// <summary>HTTP for a REST API.</summary>
    public string? Type { get; init; }
    public IReadOnlyList<string>? Transport { get; init; }

    /// <summary>The subscription tiers (business plans) applications may subscribe with.</summary>
    public IReadOnlyList<string>? Policies { get; init; }
    public IReadOnlyList<string>? SecurityScheme { get; init; }

    /// <summary>The Key Managers whose tokens the gateway accepts for this API (<c>all</c> by default).</summary>
    public IReadOnlyList<string>? KeyManagers { get; init; }
    public string? Visibility { get; init; }

    /// <summary>Free-form in the spec: <c>endpoint_type</c>, <c>production_endpoints.url</c>, <c>sandbox_endpoints.url</c>.</summary>
    public JsonObject? EndpointConfig { get; init; }
    public IReadOnlyList<ApiOperation>? Operations { get; init; }

    /// <summary>The API's scopes: local ones, or shared ones referenced by name (<c>shared: true</c>).</summary>
    public IReadOnlyList<ApiScope>? Scopes { get; init; }
}

public sealed record ApiOperation
{
    public string? Id { get; init; }
    public required string Target { get; init; }
    public required string Verb { get; init; }
    public string? AuthType { get; init; }
    public string? ThrottlingPolicy { get; init; }

    /// <summary>A token needs any one of these scopes for the operation.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }
}

/// <summary><c>APIScope</c> of publisher-api.yaml.</summary>
public sealed record ApiScope
{
    public required Scope Scope { get; init; }
    public bool? Shared { get; init; }
}

/// <summary><c>Scope</c> of publisher-api.yaml, also a shared scope of <c>/scopes</c>.</summary>
public sealed record Scope
{
    public string? Id { get; init; }
    public required string Name { get; init; }
    public string? DisplayName { get; init; }
    public string? Description { get; init; }

    /// <summary>The APIM roles the scope is bound to.</summary>
    public IReadOnlyList<string>? Bindings { get; init; }
}

/// <summary>One row of <c>GET /apis</c>.</summary>
public sealed record ApiInfo
{
    public string? Id { get; init; }
    public required string Name { get; init; }
    public string? Context { get; init; }
    public string? Version { get; init; }
    public string? Provider { get; init; }
    public string? Type { get; init; }
    public string? LifeCycleStatus { get; init; }
}

/// <summary>A revision: a frozen copy of an API that can be deployed to gateways.</summary>
public sealed record ApiRevision
{
    public string? Id { get; init; }
    public string? DisplayName { get; init; }
    public string? Description { get; init; }
    public DateTimeOffset? CreatedTime { get; init; }
    public IReadOnlyList<ApiRevisionDeployment>? DeploymentInfo { get; init; }
}

/// <summary>A revision deployed (or to deploy) to one gateway environment.</summary>
public sealed record ApiRevisionDeployment
{
    public string? RevisionUuid { get; init; }

    /// <summary>The gateway environment's name, e.g. <c>Default</c>.</summary>
    public required string Name { get; init; }
    public string? Vhost { get; init; }
    public bool? DisplayOnDevportal { get; init; }

    /// <summary>CREATED, APPROVED or REJECTED (deployment workflow).</summary>
    public string? Status { get; init; }
    public DateTimeOffset? DeployedTime { get; init; }
}

/// <summary>The answer to a lifecycle change.</summary>
public sealed record WorkflowResponse
{
    /// <summary>APPROVED, CREATED (pending approval) or REJECTED.</summary>
    public string? WorkflowStatus { get; init; }
    public string? JsonPayload { get; init; }
    public LifecycleState? LifecycleState { get; init; }
}

public sealed record LifecycleState
{
    public string? State { get; init; }
}

/// <summary>A DevPortal subscription of an application to an API.</summary>
public sealed record Subscription
{
    public string? SubscriptionId { get; init; }
    public required string ApplicationId { get; init; }
    public string? ApiId { get; init; }
    public required string ThrottlingPolicy { get; init; }

    /// <summary>UNBLOCKED when active; BLOCKED, ON_HOLD, REJECTED, ... otherwise.</summary>
    public string? Status { get; init; }
}

/// <summary>Status values of a subscription.</summary>
public static class SubscriptionStatuses
{
    public const string Unblocked = "UNBLOCKED";
}
