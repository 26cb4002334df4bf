using KmLab.Provisioner.Demo;
using KmLab.Provisioner.Proofs;

namespace KmLab.Containers.Tests;

/// <summary>The workshop demo on the shared lab (twin images, or WSO2's with KMLAB_IMAGES=wso2): seeded, proved
/// (200 for the role holder, 403 900910 for the other user, 200 without a token for the public operation), and a
/// second run that proves the same from what the first one made.</summary>
[Collection(LabCollection.Name)]
public sealed class DemoTests(LabFixture fixture)
{
    [Fact]
    public async Task The_demo_is_seeded_and_proved_through_the_gateway_and_a_second_run_proves_it_again()
    {
        var lab = await fixture.LabAsync();
        var request = new DemoRequest(lab.Layout.Root, lab.Topology.AdminUser, lab.Topology.AdminPassword, "Demo-reader-c1", "Demo-guest-c1")
        {
            ApimUrl = lab.ApimUrl, GatewayUrl = lab.GatewayUrl, IsUrl = lab.IsUrl, IsInternalUrl = lab.IsInternalUrl,
        };

        var first = await LabDemo.RunAsync(request, TestContext.Current.CancellationToken);
        var second = await LabDemo.RunAsync(request, TestContext.Current.CancellationToken);

        if (!RoleProof.Supports(lab.Topology.IdentityServerVersion, lab.Topology.ApiManagerVersion))
        {
            Assert.False(first.Supported, first.Line);
            return;
        }
        foreach (var result in new[] { first, second })
        {
            Assert.True(result.Supported, result.Line);
            Assert.Contains("-> 200 for kmlab-demo-reader", result.Line);
            Assert.Contains("403 900910 for kmlab-demo-guest", result.Line);
            Assert.Contains("-> 200 without a token", result.Line);
        }
        Assert.True(File.Exists(lab.Layout.ApplicationFile(LabDemo.Application)));
        Assert.DoesNotContain("Demo-guest-c1", string.Join('\n', second.Curl));
    }
}
