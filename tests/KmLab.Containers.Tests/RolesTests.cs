using KmLab.Provisioner.Register;
using KmLab.Provisioner.Proofs;
using KmLab.Provisioner.Wso2Rest;

namespace KmLab.Containers.Tests;

/// <summary>The role-based authorization proof on the shared lab (twin images, or WSO2's with KMLAB_IMAGES=wso2):
/// the role holder's token has the scope and gets 200 through the gateway, the other user's has not and gets 403 900910.</summary>
[Collection(LabCollection.Name)]
public sealed class RolesTests(LabFixture fixture)
{
    [Fact]
    public async Task The_role_holder_gets_200_and_the_user_without_the_role_403_900910_through_the_gateway()
    {
        var lab = await fixture.LabAsync();
        var request = new RolesRequest(new SmokeRequest(lab.Layout.Root, lab.ApimUrl, lab.GatewayUrl, lab.IsUrl,
            RegisterRequest.DefaultKeyManagerName, lab.Topology.AdminUser, lab.Topology.AdminPassword)
        {
            IsInternalUrl = lab.IsInternalUrl,
        });

        var result = await RoleProof.RunAsync(request, TestContext.Current.CancellationToken);
        if (!RoleProof.Supports(lab.Topology.IdentityServerVersion, lab.Topology.ApiManagerVersion))
        {
            Assert.False(result.Supported, result.Line);
            return;
        }

        Assert.True(result.Supported, result.Line);
        Assert.Contains("kmlab_read", result.AllowedScope!.Split(' '));
        Assert.DoesNotContain("kmlab_read", result.DeniedScope!.Split(' '));
        Assert.Equal(200, result.AllowedStatus);
        Assert.Equal((403, 900910L), (result.DeniedStatus, result.DeniedCode));
    }
}
