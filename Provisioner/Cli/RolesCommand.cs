using System.CommandLine;
using KmLab.Provisioner.Proofs;

namespace KmLab.Provisioner.Cli;

/// <summary><c>roles</c>: proves role-based authorization through the gateway (IS 7.1.0+ with APIM 4.5.0+).</summary>
internal static class RolesCommand
{
    public static Command Create()
    {
        var lab = new SmokeRequestOptions(apimUse: null, isUse: "SCIM2, token",
            isInternalUrl: "IS's HTTPS base URL as APIM's gateway reaches it (the API's backend); default: from lab.json.",
            keyManager: "The Key Manager register created.", adminUser: "The admin user of APIM and IS.");
        var role = new Option<string>("--role") { Description = "The APIM role the scope is bound to (IS: system_primary_<role>; Internal/<name>: <name>).", DefaultValueFactory = _ => RoleProof.DefaultRole };
        var scope = new Option<string>("--scope") { Description = "The shared scope the API's operation needs.", DefaultValueFactory = _ => RoleProof.DefaultScope };
        var allowed = new Option<string>("--allowed-user") { Description = "The IS user who holds the role.", DefaultValueFactory = _ => RoleProof.DefaultAllowedUser };
        var denied = new Option<string>("--denied-user") { Description = "The IS user who does not.", DefaultValueFactory = _ => RoleProof.DefaultDeniedUser };

        var command = new Command("roles",
            $"Proves role-based authorization through the gateway: a shared scope bound to an APIM role reaches IS as that role's permission, API {RoleProof.ApiName} needs it, a user holding the role gets 200 and one without it 403 (900910). Needs IS 7.1.0+ and APIM 4.5.0+. The users' password comes from {RoleProof.UserPasswordVariable} (default: derived from the admin password). {CliOptions.AdminPasswordNote}")
        {
            lab.State, lab.ApimUrl, lab.GatewayUrl, lab.IsUrl, lab.IsInternalUrl, lab.KeyManagerName, role, scope, allowed, denied, lab.AdminUser,
        };
        command.SetAction((ParseResult r, CancellationToken ct) => CliRunner.RunAsync(async token =>
        {
            var request = new RolesRequest(lab.Read(r))
            {
                Role = r.GetValue(role)!, ScopeName = r.GetValue(scope)!, AllowedUser = r.GetValue(allowed)!, DeniedUser = r.GetValue(denied)!,
                UserPassword = Environment.GetEnvironmentVariable(RoleProof.UserPasswordVariable) is { Length: > 0 } p ? p : null,
            };
            var result = await CliHost.RunAsync((logging, cancel) => RoleProof.RunAsync(request, cancel, logging), token);
            Console.WriteLine(result.Supported ? result.Line : "roles: " + result.Line);
            if (result.Repeat.Count == 0) return;
            Console.WriteLine($"Repeat it (CONSUMER_SECRET: application '{RoleProof.ApplicationName}' > Production Keys in the DevPortal; KMLAB_RBAC_PASSWORD: the users' password; KMLAB_USER={request.DeniedUser} for the 403):");
            foreach (var repeat in result.Repeat) Console.WriteLine("  " + repeat);
        }, ct));
        return command;
    }
}
