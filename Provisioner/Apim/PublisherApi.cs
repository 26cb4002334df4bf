using Refit;

namespace KmLab.Provisioner.Apim;

/// <summary>The Publisher REST API v4 operations the smoke uses. Every call carries a bearer token from APIM itself.</summary>
[Headers("Authorization: Bearer")]
public interface IApimPublisherApi
{
    /// <param name="query">A search such as <c>name:"KmLabHello"</c>; names match partially, so filter the rows.</param>
    [Get(ApimPublisherEndpoints.Apis)]
    Task<ApimList<ApiInfo>> GetApisAsync([Query] string? query, CancellationToken cancellationToken);

    [Get(ApimPublisherEndpoints.Api)]
    Task<Api> GetApiAsync(string apiId, CancellationToken cancellationToken);

    /// <summary>201 with the stored API, in state CREATED.</summary>
    [Post(ApimPublisherEndpoints.Apis)]
    Task<Api> CreateApiAsync([Body] Api api, CancellationToken cancellationToken);

    /// <summary>201 with the stored API; its operations are the document's paths.</summary>
    [Multipart]
    [Post(ApimPublisherEndpoints.ApiImportOpenApi)]
    Task<Api> ImportOpenApiAsync([AliasAs("file")] StreamPart file, [AliasAs("additionalProperties")] string additionalProperties,
        CancellationToken cancellationToken);

    /// <summary>200 with the stored definition.</summary>
    [Multipart]
    [Put(ApimPublisherEndpoints.ApiSwagger)]
    Task<string> UpdateSwaggerAsync(string apiId, [AliasAs("apiDefinition")] string apiDefinition, CancellationToken cancellationToken);

    /// <summary>Cannot change name, version, context, provider or state.</summary>
    [Put(ApimPublisherEndpoints.Api)]
    Task<Api> UpdateApiAsync(string apiId, [Body] Api api, CancellationToken cancellationToken);

    /// <summary>201 with the new revision (APIM keeps at most 5 per API).</summary>
    [Post(ApimPublisherEndpoints.ApiRevisions)]
    Task<ApiRevision> CreateRevisionAsync(string apiId, [Body] ApiRevision revision, CancellationToken cancellationToken);

    [Get(ApimPublisherEndpoints.ApiDeployments)]
    Task<ApimList<ApiRevisionDeployment>> GetDeploymentsAsync(string apiId, CancellationToken cancellationToken);

    [Post(ApimPublisherEndpoints.ApiDeployRevision)]
    Task<IReadOnlyList<ApiRevisionDeployment>> DeployRevisionAsync(string apiId, [Query] string revisionId,
        [Body] IReadOnlyList<ApiRevisionDeployment> deployments, CancellationToken cancellationToken);

    /// <param name="action">A lifecycle action, e.g. <see cref="ApimPublishing.PublishAction"/>.</param>
    [Post(ApimPublisherEndpoints.ChangeLifecycle)]
    Task<WorkflowResponse> ChangeLifecycleAsync([Query] string apiId, [Query] string action, CancellationToken cancellationToken);
}

/// <summary>The DevPortal REST API v3 subscription operations the smoke uses.</summary>
[Headers("Authorization: Bearer")]
public interface IApimSubscriptionsApi
{
    [Get(ApimPublisherEndpoints.Subscriptions)]
    Task<ApimList<Subscription>> GetSubscriptionsAsync([Query] string apiId, [Query] string applicationId, CancellationToken cancellationToken);

    /// <summary>201 with the subscription; the API must be published and offer the tier.</summary>
    [Post(ApimPublisherEndpoints.Subscriptions)]
    Task<Subscription> SubscribeAsync([Body] Subscription subscription, CancellationToken cancellationToken);
}
