using Refit;

namespace KmLab.Provisioner.Apim;

/// <summary>APIM's shared scopes (Publisher v4), with a token holding <see cref="ApimPublisherScopes.SharedScopeManage"/>.</summary>
[Headers("Authorization: Bearer")]
public interface IApimSharedScopesApi
{
    [Get(ApimPublisherEndpoints.SharedScopes)]
    Task<ApimList<Scope>> GetSharedScopesAsync(CancellationToken cancellationToken);

    /// <summary>201 even when the Key Managers could not register it (APIM only logs that).</summary>
    [Post(ApimPublisherEndpoints.SharedScopes)]
    Task<Scope> CreateSharedScopeAsync([Body] Scope scope, CancellationToken cancellationToken);

    [Delete(ApimPublisherEndpoints.SharedScope)]
    Task DeleteSharedScopeAsync(string scopeId, CancellationToken cancellationToken);
}
