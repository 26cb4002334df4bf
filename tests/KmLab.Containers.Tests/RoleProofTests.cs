using KmLab.Provisioner.Demo;

namespace KmLab.Containers.Tests;

/// <summary>The role-based authorization proof on the shared lab (twin images, or WSO2's with KMLAB_IMAGES=wso2), by
/// <c>roles</c> and by the workshop <c>demo</c>: the role holder gets 200 through the gateway, the other user 403
/// 900910. On a version pair without role-based authorization each says so instead.</summary>
[Collection(LabCollection.Name)]
public sealed class RoleProofTests(LabFixture fixture)
{
    [Fact]
    public async Task The_role_holder_gets_200_and_the_user_without_the_role_403_900910_through_the_gateway()
    {
        var lab = await fixture.LabAsync();

        var result = await RoleProof.RunAsync(new RolesRequest(fixture.SmokeRequestFor(lab)), TestContext.Current.CancellationToken);

        if (Unsupported(lab, result.Supported, result.Line))
            return;
        Assert.Contains("kmlab_read", result.AllowedScope!.Split(' '));
        Assert.DoesNotContain("kmlab_read", result.DeniedScope!.Split(' '));
        Assert.Equal(200, result.AllowedStatus);
        Assert.Equal((403, 900910L), (result.DeniedStatus, result.DeniedCode));
    }

    /// <summary>Seeded and proved (200 for the role holder, 403 900910 for the other user, 200 without a token for the
    /// public operation), and a second run that proves the same from what the first one made.</summary>
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

        if (Unsupported(lab, first.Supported, first.Line))
            return;
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

    /// <summary>Whether the lab's version pair lacks role-based authorization; either way, asserts that the run
    /// (<paramref name="supported"/>, its <paramref name="line"/>) agrees.</summary>
    private static bool Unsupported(ContainerLab lab, bool supported, string line)
    {
        var expected = RoleProof.Supports(lab.Topology.IdentityServerVersion, lab.Topology.ApiManagerVersion);
        Assert.True(expected == supported, line);
        return !expected;
    }
}
