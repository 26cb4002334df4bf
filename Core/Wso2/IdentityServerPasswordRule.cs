namespace KmLab.Lab.Wso2;

/// <summary>The strictest password IS 7 takes for a new user across the supported versions, so the lab never offers
/// one that any of them refuses. IS checks a new user's password with its default input-validation rules
/// (wso2/carbon-identity-framework@04b70f8a
/// components/input-validation-mgt/org.wso2.carbon.identity.input.validation.mgt/src/main/java/org/wso2/carbon/identity/input/validation/mgt/model/handlers/PasswordValidationConfigurationHandler.java:53-63,
/// run by listener/InputValidationListener.java@064a7619 doPreAddUser): at least 8 characters with a digit, an
/// upper-case and a lower-case letter; IS 7.0.0 (framework 7.0.78, wso2/product-is@4e7a5ddd pom.xml) also a special
/// character, anything but <c>[A-Za-z0-9]</c> (model/validators/SpecialCharacterValidator.java@0802c6a8); 7.1.0 and
/// later allow up to 64 characters. The user store's own <c>PasswordJavaRegEx</c> <c>^[\S]{5,30}$</c> is kept as well
/// (at most 30, no white space): the listener tells the store to skip it, but whether 7.0.0's did is not settled.</summary>
public static class IdentityServerPasswordRule
{
    public const int MinLength = 8;
    public const int MaxLength = 30;

    /// <summary>The rule in words, for error lines and help texts.</summary>
    public const string Description = "8-30 characters without spaces, with an upper-case letter, a lower-case letter, a digit and a special character such as - or !";

    /// <summary>What <paramref name="password"/> lacks, or null when every supported IS version takes it.</summary>
    public static string? Refusal(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        return password.Length < MinLength ? $"shorter than {MinLength} characters"
            : password.Length > MaxLength ? $"longer than {MaxLength} characters"
            : password.Any(char.IsWhiteSpace) ? "has white space"
            : !password.Any(char.IsAsciiLetterUpper) ? "no upper-case letter"
            : !password.Any(char.IsAsciiLetterLower) ? "no lower-case letter"
            : !password.Any(char.IsAsciiDigit) ? "no digit"
            : password.All(char.IsAsciiLetterOrDigit) ? "no special character"
            : null;
    }
}
