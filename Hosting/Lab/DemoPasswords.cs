using Aspire.Hosting.ApplicationModel;
using KmLab.Lab.Wso2;

namespace KmLab.Hosting;

/// <summary>The generated demo users' passwords: 22 characters with at least one upper-case and one lower-case letter,
/// one digit and one special character (Aspire's set <c>-_.{}~()*+!</c>, no white space), so every supported IS takes
/// them (<see cref="IdentityServerPasswordRule"/>).</summary>
internal static class DemoPasswords
{
    public const int Length = 22;

    public static GenerateParameterDefault Default() => new()
    {
        MinLength = Length, Lower = true, Upper = true, Numeric = true, Special = true,
        MinLower = 1, MinUpper = 1, MinNumeric = 1, MinSpecial = 1,
    };
}
