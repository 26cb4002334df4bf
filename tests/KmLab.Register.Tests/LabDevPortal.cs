using System.Text;
using Refit;

namespace KmLab.Register.Tests;

/// <summary>The DevPortal and Admin APIs as a person (or another tool) would use them next to register: a REST client
/// of its own, a token for the admin, TLS trusting the lab CA only. For arranging what register then meets.</summary>
internal sealed class LabDevPortal : IDisposable
{
    private readonly HttpClient _http;

    private LabDevPortal(HttpClient http, IApimDevPortalApi devPortal, IApimAdminApi admin) =>
        (_http, DevPortal, Admin) = (http, devPortal, admin);

    public IApimDevPortalApi DevPortal { get; }
    public IApimAdminApi Admin { get; }
    public IApimSharedScopesApi SharedScopes { get; private init; } = null!;

    public static async Task<LabDevPortal> ConnectAsync(Lab lab)
    {
        var ct = TestContext.Current.CancellationToken;
        var http = LabHttp.Client(lab);
        http.BaseAddress = lab.ApiManager.BaseUrl;
        var settings = new RefitSettings { ContentSerializer = new SystemTextJsonContentSerializer(ApimJson.Options) };
        var oauth = RestService.For<IApimOAuthApi>(http, settings);
        var basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{lab.Topology.AdminUser}:{lab.AdminPassword}"));
        var registration = new ClientRegistrationRequest
        {
            ClientName = "kmlab_tests", Owner = lab.Topology.AdminUser, GrantType = "password", SaasApp = true,
        };
        ClientRegistrationResponse client;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                client = await oauth.RegisterClientAsync(registration, basic, ct);
                break;
            }
            catch (ApiException e) when ((int)e.StatusCode >= 500 && attempt < 20)
            {
                // Client registration answers 500 for a while after APIM's start, as the real one does.
                await Task.Delay(200, ct);
            }
        }
        var token = await oauth.TokenAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "password", ["username"] = lab.Topology.AdminUser, ["password"] = lab.AdminPassword, ["scope"] = ApimScopes.Register + " " + ApimPublisherScopes.SharedScopeManage,
        }, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{client.ClientId}:{client.ClientSecret}")), ct);
        var bearer = new RefitSettings
        {
            ContentSerializer = settings.ContentSerializer,
            AuthorizationHeaderValueGetter = (_, _) => ValueTask.FromResult(token.AccessToken),
        };
        return new LabDevPortal(http, RestService.For<IApimDevPortalApi>(http, bearer), RestService.For<IApimAdminApi>(http, bearer))
        {
            SharedScopes = RestService.For<IApimSharedScopesApi>(http, bearer),
        };
    }

    /// <summary>The id of register's proof application, created here when it does not exist yet.</summary>
    public async Task<string> ProofApplicationAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        return await ProofApplication.IdAsync(DevPortal, ct)
               ?? (await DevPortal.AddApplicationAsync(new Application
               {
                   Name = ProofApplication.Name, ThrottlingPolicy = Provisioner.Apim.DevPortal.UnlimitedPolicy,
                   TokenType = Provisioner.Apim.DevPortal.TokenTypeJwt,
               }, ct)).ApplicationId!;
    }

    /// <summary>Production key generation for the proof application, as register asks for it; the failure, if any.</summary>
    public async Task<ApiException?> TryGenerateKeysAsync(string applicationId, string keyManagerName)
    {
        try
        {
            await DevPortal.GenerateKeysAsync(applicationId, new ApplicationKeyGenerateRequest
            {
                KeyType = Provisioner.Apim.DevPortal.KeyTypeProduction, KeyManager = keyManagerName,
                GrantTypesToBeSupported = ["client_credentials"],
            }, TestContext.Current.CancellationToken);
            return null;
        }
        catch (ApiException e)
        {
            return e;
        }
    }

    public async Task<IReadOnlyList<ApplicationKey>> KeyMappingsAsync(string applicationId) =>
        (await DevPortal.GetOAuthKeysAsync(applicationId, TestContext.Current.CancellationToken)).List;

    public void Dispose() => _http.Dispose();
}
