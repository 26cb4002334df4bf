namespace KmLab.Provisioner.Wso2Rest;

/// <summary>The names every flow gives the lab's servers in its messages and TLS refusals.</summary>
public static class ServerNames
{
    public const string ApiManager = "APIM";
    public const string Gateway = "APIM gateway";
    public const string IdentityServer = "IS";
}
