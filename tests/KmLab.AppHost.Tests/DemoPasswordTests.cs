using KmLab.Hosting;
using KmLab.Lab.Wso2;

namespace KmLab.AppHost.Tests;

/// <summary>The demo users' generated passwords pass the strictest password rule of the supported IS versions, so the
/// demo step never offers IS one it refuses.</summary>
public sealed class DemoPasswordTests
{
    [Fact]
    public void Every_generated_demo_password_has_each_character_class_IS_asks_for_and_fits_its_length()
    {
        var generator = DemoPasswords.Default();

        var refused = Enumerable.Range(0, 2000).Select(_ => generator.GetDefaultValue())
            .Select(IdentityServerPasswordRule.Refusal).Where(r => r is not null).Distinct().ToList();

        Assert.Empty(refused);
    }
}
