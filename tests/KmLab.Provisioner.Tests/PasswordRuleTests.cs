namespace KmLab.Provisioner.Tests;

/// <summary>The lab's password rule: the strictest IS 7.0.0–7.3.0 default password validation (IS 7.0.0 wants a
/// special character, every version a digit, an upper-case and a lower-case letter and 8 characters).</summary>
public sealed class PasswordRuleTests
{
    [Theory]
    [InlineData("Kl1-abcdefgh", null)]
    [InlineData("Kmlab-pass-1", null)]
    [InlineData("demo-reader-pw1", "no upper-case letter")]
    [InlineData("DEMO-READER-PW1", "no lower-case letter")]
    [InlineData("Demo-reader-pw", "no digit")]
    [InlineData("Demoreaderpw1", "no special character")]
    [InlineData("De-pw1", "shorter than 8 characters")]
    [InlineData("Demo reader-pw1", "has white space")]
    [InlineData("Demo-reader-pw1-Demo-reader-pw1", "longer than 30 characters")]
    public void A_password_passes_only_with_every_class_and_a_length_every_IS_version_takes(string password, string? lacks) =>
        Assert.Equal(lacks, IdentityServerPasswordRule.Refusal(password));
}
