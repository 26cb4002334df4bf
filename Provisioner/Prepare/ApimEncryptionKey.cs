using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace KmLab.Provisioner.Prepare;

/// <summary>APIM 4.7.0's internal encryption key (<c>[encryption] key</c>): what APIM encrypts in its database, the
/// Key Manager connector's Password among it, can be read back only with the same key. So the lab makes it once,
/// keeps it in the state folder for its owner only, and writes the same key at every <c>prepare</c>.</summary>
internal static partial class ApimEncryptionKey
{
    /// <summary>What 4.7.0's own generator writes and WSO2's docs ask for (<c>openssl rand -hex 32</c>): an AES-256 key.</summary>
    public const string Format = "64 lower-case hex characters (32 random bytes, e.g. from `openssl rand -hex 32`)";

    /// <summary>What replacing the key breaks, said whenever it is replaced.</summary>
    public const string WhatReplacingBreaks =
        "what APIM encrypted with the old key (the Key Manager's connector password among it) can no longer be read";

    public static bool IsWellFormed(string? key) => key is not null && Hex64().IsMatch(key);

    public static string Generate() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key this lab's APIM gets, planned into <paramref name="plan"/>: the stored one, or a new one (the
    /// supplied key, else a random one) when the lab has none yet or <paramref name="renew"/> asks for it.</summary>
    /// <param name="supplied">A key the user supplied through the environment, with the variable it came from.</param>
    public static string Plan(LabLayout layout, (string Variable, string Key)? supplied, bool renew, StatePlan plan,
        List<string> warnings)
    {
        if (supplied is { } s && !IsWellFormed(s.Key))
            throw new LabException(ExitCodes.InvalidEncryptionKey,
                $"the encryption key in {s.Variable} is not {Format}; set {s.Variable} to such a key, or leave --encryption-key-env out to keep the lab's key.");
        var file = layout.ApimEncryptionKey;
        var stored = File.Exists(file) ? File.ReadAllText(file).Trim() : null;
        if (stored is not null && !IsWellFormed(stored) && !renew)
            throw new LabException(ExitCodes.CorruptState,
                $"APIM's encryption key in {file} is not {Format}; restore the file, or run prepare with --renew-encryption-key to make a new key ({WhatReplacingBreaks}).");

        string key;
        if (stored is null || renew)
        {
            key = supplied?.Key ?? Generate();
            if (stored is not null)
            {
                plan.MoveAside(file);
                warnings.Add($"APIM's internal encryption key was replaced (the old one is kept beside {file}): {WhatReplacingBreaks}; start APIM with a fresh database and run register again.");
            }
        }
        else if (supplied is { } given && given.Key != stored)
        {
            throw new LabException(ExitCodes.InvalidEncryptionKey,
                $"the encryption key in {given.Variable} is not the lab's key in {file}; leave --encryption-key-env out to keep the lab's key, or add --renew-encryption-key to replace it ({WhatReplacingBreaks}).");
        }
        else
        {
            key = stored;
        }
        plan.Write(file, Encoding.ASCII.GetBytes(key + "\n"), new StateFileAccess.Owner());
        return key;
    }

    [GeneratedRegex("^[0-9a-f]{64}\\z")]
    private static partial Regex Hex64();
}
