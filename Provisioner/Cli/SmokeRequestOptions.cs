using System.CommandLine;
using KmLab.Provisioner.Wso2Rest;

namespace KmLab.Provisioner.Cli;

/// <summary>The options that name the lab a proof through the gateway runs against (<c>smoke</c>, <c>roles</c>),
/// read into one <see cref="SmokeRequest"/>; each command words their help for what it does there.</summary>
internal sealed class SmokeRequestOptions(string? apimUse, string isUse, string isInternalUrl, string keyManager, string adminUser)
{
    public Option<string> State { get; } = CliOptions.State();
    public Option<string?> ApimUrl { get; } = CliOptions.ApimUrl(required: true, apimUse);
    public Option<string?> GatewayUrl { get; } = CliOptions.GatewayUrl(required: true);
    public Option<string?> IsUrl { get; } = CliOptions.IdentityServerUrl(required: true, isUse);
    public Option<string?> IsInternalUrl { get; } = CliOptions.UrlOption("--is-internal-url", isInternalUrl);
    public Option<string> KeyManagerName { get; } = CliOptions.KeyManagerName("--name", keyManager);
    public Option<string> AdminUser { get; } = CliOptions.AdminUser(adminUser);

    public SmokeRequest Read(ParseResult r) =>
        new(r.GetValue(State)!, CliOptions.Url(r, ApimUrl)!, CliOptions.Url(r, GatewayUrl)!, CliOptions.Url(r, IsUrl)!,
            r.GetValue(KeyManagerName)!, r.GetValue(AdminUser)!, LabTopology.AdminPasswordFromEnvironment())
        {
            IsInternalUrl = CliOptions.Url(r, IsInternalUrl),
        };
}
