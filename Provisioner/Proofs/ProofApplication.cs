using KmLab.Provisioner.Apim;

namespace KmLab.Provisioner.Proofs;

/// <summary>The DevPortal application <c>register</c> proves its Key Manager with and <c>smoke</c> subscribes: found by
/// name, its production keys per Key Manager. Failures are thrown as they come; the caller maps them.</summary>
public static class ProofApplication
{
    /// <summary>The application's name; every run reuses it.</summary>
    public const string Name = "kmlab-proof";

    /// <summary>The application's id, or null when the DevPortal has none of that name.</summary>
    internal static async Task<string?> IdAsync(IApimDevPortalApi devPortal, CancellationToken ct) =>
        (await devPortal.GetApplicationsAsync(Name, ct)).List.FirstOrDefault(a => a.Name == Name)?.ApplicationId;

    /// <summary>The production keys (consumer key and secret) from this Key Manager, or null. A half-made key mapping
    /// does not count.</summary>
    internal static async Task<ApplicationKey?> ExistingKeyAsync(IApimDevPortalApi devPortal, string applicationId, string keyManagerName,
        CancellationToken ct) =>
        (await MappingsAsync(devPortal, applicationId, keyManagerName, ct)).FirstOrDefault(k =>
            !k.IsHalfMade && !string.IsNullOrEmpty(k.ConsumerSecret));

    /// <summary>The production key mappings for this Key Manager (at most one in APIM's database).</summary>
    internal static async Task<IReadOnlyList<ApplicationKey>> MappingsAsync(IApimDevPortalApi devPortal, string applicationId,
        string keyManagerName, CancellationToken ct) =>
        [.. (await devPortal.GetOAuthKeysAsync(applicationId, ct)).List.Where(k =>
            k.KeyManager == keyManagerName && k.KeyType == DevPortal.KeyTypeProduction)];
}
