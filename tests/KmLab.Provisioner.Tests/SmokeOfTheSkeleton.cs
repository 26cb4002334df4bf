using KmLab.Provisioner;
namespace KmLab.Provisioner.Tests;
public class VersionTests
{
    [Fact]
    public void Unknown_version_names_the_supported_ones()
    {
        var e = Assert.Throws<LabException>(() => Wso2Versions.ParseIdentityServer("7.9.0"));
        Assert.Equal(ExitCodes.UnsupportedVersion, e.ExitCode);
        Assert.Contains("7.0.0, 7.1.0, 7.2.0, 7.3.0", e.Message);
    }
}
