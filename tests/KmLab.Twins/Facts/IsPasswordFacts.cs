namespace KmLab.Twins.Facts;

// IS 7's default password validation (carbon-identity-framework input-validation-mgt), per shipped version.
// Citations: docs/twins.md, "Identity Server: role membership and password rules".

/// <summary>The rules of <c>PasswordValidationConfigurationHandler.getDefaultValidationConfiguration</c>, in the order
/// <c>InputValidationListener.doPreAddUser</c> runs them; the first that fails answers.</summary>
internal sealed record IsPasswordRules(int MinLength, int? MaxLength, int MinDigits, int MinUpper, int MinLower, int MinSpecial);

internal static class IsPasswordFacts
{
    /// <summary>IS 7.0.0 ships framework 7.0.78, before the special-character rule was dropped from the default (8
    /// characters, one each of digit, upper, lower and special; no maximum). 7.1.0 and later: no special character,
    /// at most <c>[identity_mgt.password_policy] max_password_allowed_length</c> = 64.</summary>
    public static IsPasswordRules Rules(string isVersion) =>
        isVersion.StartsWith("7.0.", StringComparison.Ordinal)
            ? new(MinLength: 8, MaxLength: null, MinDigits: 1, MinUpper: 1, MinLower: 1, MinSpecial: 1)
            : new(MinLength: 8, MaxLength: 64, MinDigits: 1, MinUpper: 1, MinLower: 1, MinSpecial: 0);

    /// <summary>The field name the validators put into their messages.</summary>
    public const string Field = "password";

    /// <summary>The description of the first rule <paramref name="password"/> breaks (Constants.ErrorMessages 60006,
    /// 60007, 60008, 60012, 60011, 60013), or null. Digits are <c>Character.isDigit</c>, upper and lower case ASCII
    /// letters only, special anything else (<c>[^A-Za-z0-9]</c>, a space included).</summary>
    public static string? Refusal(string password, string isVersion)
    {
        var rules = Rules(isVersion);
        if (password.Length < rules.MinLength) return $"The minimum length of {Field} should be {rules.MinLength}.";
        if (password.Length > rules.MaxLength) return $"The maximum length of {Field} can be {rules.MaxLength}";
        if (password.Count(char.IsDigit) < rules.MinDigits) return $"The {Field} should contain at least {rules.MinDigits} digits.";
        if (password.Count(char.IsAsciiLetterUpper) < rules.MinUpper) return $"The {Field} should contain at least {rules.MinUpper} upper case characters.";
        if (password.Count(char.IsAsciiLetterLower) < rules.MinLower) return $"The {Field} should contain at least {rules.MinLower} lower case characters.";
        if (password.Count(c => !char.IsAsciiLetterOrDigit(c)) < rules.MinSpecial) return $"The {Field} should contain at least {rules.MinSpecial} special characters.";
        return null;
    }
}
