using System.Text;
using KmLab.Provisioner.Certificates;
using KmLab.Provisioner.Configuration;
using KmLab.Lab.Wso2;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace KmLab.Provisioner.Prepare;

public sealed record PrepareRequest(string StateDirectory, LabTopology Topology, bool RenewCa = false)
{
    /// <summary>APIM's internal encryption key supplied by the user, and the environment variable it came from;
    /// null: keep the lab's key, or generate one.</summary>
    public (string Variable, string Key)? EncryptionKey { get; init; }

    /// <summary>Replace the lab's APIM encryption key (what APIM encrypted with the old one becomes unreadable).</summary>
    public bool RenewEncryptionKey { get; init; }

    /// <summary>WSO2's notification handler jar (<see cref="HandlerJarDownload"/>), written into the state folder
    /// with the rest when IS's dropins hold none yet; null: only a jar already there wires revocation.</summary>
    public HandlerJar? HandlerJar { get; init; }

    /// <summary>A Maven repository that did not answer (<see cref="HandlerJarDownload"/>), kept in the state folder.</summary>
    public UnreachableRepository? UnreachableRepository { get; init; }
}

public sealed record PrepareResult(LabLayout Layout, bool CaCreated, IReadOnlyList<string> FilesWritten)
{
    /// <summary>SHA-256 of the lab's root CA certificate (hex), so a user can check what a browser shows.</summary>
    public string CaFingerprint { get; init; } = "";

    /// <summary>Host names whose server certificate was issued in this run (the others were reused).</summary>
    public IReadOnlyList<string> CertificatesIssued { get; init; } = [];

    /// <summary>Lines worth telling the user (e.g. an expired CA was renewed); never a secret.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The notification handler jar found in IS's dropins (then IS notifies APIM of revoked tokens), or null.</summary>
    public string? RevocationNotifierJar { get; init; }
}

/// <summary>Writes both servers' config volumes and the lab CA into a state folder. Everything is validated and
/// built in memory first, then written; a re-run reuses the CA and the server certificates.</summary>
public static class LabPreparer
{
    /// <summary>The trusted-certificate alias of the lab's root CA in both truststores.</summary>
    public const string CaTrustAlias = "kmlab-ca";

    /// <summary>IS's token revocation notifier only works when WSO2's notification handler jar is in IS's dropins:
    /// the artifact <c>wso2is.notification.event.handlers</c>
    /// (wso2-extensions/apim-km-wso2is@2c3140f3:components/wso2is.notification.event.handlers/pom.xml:11), named <c>wso2is.notification.event.handlers-&lt;version&gt;.jar</c>.</summary>
    public const string RevocationNotifierJarPattern = "wso2is.notification.event.handlers-*.jar";

    public static PrepareResult Prepare(PrepareRequest request)
    {
        var topology = request.Topology;
        TopologyRules.Validate(topology);
        var layout = new LabLayout(request.StateDirectory);
        var now = DateTime.UtcNow;
        var plan = new StatePlan();
        var warnings = new List<string>();

        var (ca, caCreated) = LoadOrCreateCa(layout, topology, request.RenewCa, now, plan, warnings);

        var identityServer = new Server(layout.IdentityServerVolume, topology.IdentityServerHost,
            topology.IdentityServerVersion.KeyStoreFormat, topology.IdentityServerVersion.ContainerUid);
        var apiManager = new Server(layout.ApiManagerVolume, topology.ApiManagerHost,
            topology.ApiManagerVersion.KeyStoreFormat, topology.ApiManagerVersion.ContainerUid)
        {
            SigningCertificateTrustAlias = Wso2KeyStores.ApiManagerSigningCertificateAlias,
        };
        var issued = PlanKeyStores([identityServer, apiManager], ca, now, plan);

        var revocationJar = RevocationNotifierJar(layout.IdentityServerVolume);
        if (revocationJar is null && request.HandlerJar is { } fetched)
        {
            // Kept beside the CA for the next run, and put where IS loads it. World-readable: the image's entrypoint
            // copies the whole volume as IS's user, and a file it cannot read stops the container.
            plan.Write(Path.Combine(HandlerJarDownload.CacheDirectory(layout), fetched.FileName), fetched.Bytes, new StateFileAccess.Public());
            plan.Write(Path.Combine(LabLayout.DropinsDirectory(layout.IdentityServerVolume), fetched.FileName), fetched.Bytes,
                new StateFileAccess.Public(identityServer.ContainerUid));
            revocationJar = fetched.FileName;
        }
        if (request.UnreachableRepository is { } unreachable)
            plan.Write(Path.Combine(HandlerJarDownload.CacheDirectory(layout), unreachable.FileName),
                System.Text.Encoding.UTF8.GetBytes(unreachable.Text), new StateFileAccess.Public());
        var documentedJar = RevocationNotifierJarPattern.Replace("*", topology.ApiManagerVersion.NotificationHandlerVersion);
        if (revocationJar is not null && revocationJar != documentedJar)
            warnings.Add($"IS's dropins hold {revocationJar}, but WSO2 documents {documentedJar} for APIM {topology.ApiManagerVersion}; if IS does not tell APIM about revoked tokens, put that jar there instead.");
        PlanToml(identityServer, DeploymentToml.ForIdentityServer(topology, revocationJar is not null), plan);
        var encryptionKey = topology.ApiManagerVersion.HasInternalEncryptionKey
            ? ApimEncryptionKey.Plan(layout, request.EncryptionKey, request.RenewEncryptionKey, plan, warnings)
            : null;
        PlanToml(apiManager, DeploymentToml.ForApiManager(topology, encryptionKey), plan);
        plan.Write(layout.Manifest, LabManifest.From(topology).ToJsonBytes(), new StateFileAccess.Public());

        plan.HandOverVolume(identityServer.Volume, identityServer.ContainerUid);
        plan.HandOverVolume(apiManager.Volume, apiManager.ContainerUid);
        plan.EnsureWritable();
        var written = plan.Apply(now);
        return new PrepareResult(layout, caCreated, written)
        {
            CaFingerprint = LabCertificates.Fingerprint(ca.Root),
            CertificatesIssued = issued,
            Warnings = warnings,
            RevocationNotifierJar = revocationJar,
        };
    }

    private sealed record Server(string Volume, string Host, KeyStoreFormat Format, int ContainerUid)
    {
        /// <summary>Where the server must also trust its own signing certificate under a fixed alias (APIM).</summary>
        public string? SigningCertificateTrustAlias { get; init; }

        public CertificateNames Names => new([Host, LabTopology.PublicHostName]);
        public string KeyStore => Path.Combine(LabLayout.SecurityDirectory(Volume), Wso2KeyStores.KeyStoreFileName(Format));
        public string TrustStore => Path.Combine(LabLayout.SecurityDirectory(Volume), Wso2KeyStores.TrustStoreFileName(Format));
    }

    private static (LabCa Ca, bool Created) LoadOrCreateCa(LabLayout layout, LabTopology topology, bool renew, DateTime now,
        StatePlan plan, List<string> warnings)
    {
        // The CA may vouch for the lab's names only: both container names and localhost.
        var permitted = new CertificateNames([topology.IdentityServerHost, topology.ApiManagerHost, LabTopology.PublicHostName]);
        string[] files = [layout.CaCertificate, layout.IssuingCaCertificate, layout.CaPrivateKey];
        var existing = files.Where(File.Exists).ToList();
        var ca = renew || existing.Count == 0 ? null : ReadExistingCa(layout, files, existing, permitted, now, warnings);
        var created = ca is null;
        if (ca is null)
        {
            existing.ForEach(plan.MoveAside);
            ca = LabCertificates.CreateCa(permitted, now);
        }
        plan.Write(layout.CaCertificate, LabCaFiles.RootPem(ca), new StateFileAccess.Public());
        plan.Write(layout.IssuingCaCertificate, LabCaFiles.IssuingPem(ca), new StateFileAccess.Public());
        plan.Write(layout.CaPrivateKey, LabCaFiles.IssuingKeyPem(ca), new StateFileAccess.Owner());
        return (ca, created);
    }

    /// <summary>The existing CA, or null when it has to be renewed (expired or about to).</summary>
    private static LabCa? ReadExistingCa(LabLayout layout, string[] files, List<string> existing, CertificateNames permitted,
        DateTime now, List<string> warnings)
    {
        if (files.Except(existing).FirstOrDefault() is { } missing)
            throw new LabException(ExitCodes.CorruptState,
                $"lab CA file {missing} is missing; run prepare with --renew-ca to move the old CA aside and make a new one.");
        var ca = LabCaFiles.Read(layout);
        if (ca.NotAfter < now + LabCertificates.MinimumRemaining)
        {
            var when = ca.NotAfter < now ? "expired" : "expires";
            warnings.Add($"the lab CA {when} on {ca.NotAfter:yyyy-MM-dd}; made a new one (the old one is kept beside it): trust {layout.CaCertificate} again where you trusted the old one.");
            return null;
        }
        var uncovered = permitted.DnsNames.Except(LabCertificates.PermittedDnsNames(ca.Issuing)).ToList();
        if (uncovered.Count > 0)
            throw new LabException(ExitCodes.InvalidHostName,
                $"the lab CA in {layout.CaCertificate} is not valid for host name '{uncovered[0]}'; keep the host names it was made for, or run prepare with --renew-ca to make a new CA.");
        return ca;
    }

    /// <summary>Plans each server's keystore (kept when its certificate still fits) and truststore; returns the
    /// host names whose certificate was issued anew.</summary>
    private static IReadOnlyList<string> PlanKeyStores(IReadOnlyList<Server> servers, LabCa ca, DateTime now, StatePlan plan)
    {
        var reusable = servers.Where(s => CanReuseKeyStore(s, ca, now)).ToList();
        var toIssue = servers.Except(reusable).ToList();
        var issued = LabCertificates.IssueServerCertificates(ca, [.. toIssue.Select(s => s.Names)], now);
        foreach (var server in servers)
        {
            var keyStore = reusable.Contains(server)
                ? File.ReadAllBytes(server.KeyStore)
                : KeyStoreFiles.Write(server.Format, Wso2KeyStores.Password, Wso2KeyStores.Alias, issued[toIssue.IndexOf(server)], trusted: []);
            var ownCertificate = KeyStoreFiles.Parse(keyStore, Wso2KeyStores.Password).KeyEntries[Wso2KeyStores.Alias].Chain[0];
            plan.Write(server.KeyStore, keyStore, new StateFileAccess.ContainerSecret(server.ContainerUid));
            plan.Write(server.TrustStore, TrustStore(server, ca, ownCertificate), new StateFileAccess.Public(server.ContainerUid));
        }
        return [.. toIssue.Select(s => s.Host)];
    }

    private static bool CanReuseKeyStore(Server server, LabCa ca, DateTime now)
    {
        if (!File.Exists(server.KeyStore))
            return false;
        var existing = KeyStoreFiles.Read(server.KeyStore, Wso2KeyStores.Password); // unreadable: CorruptState
        return existing.Format == server.Format
               && existing.KeyEntries.TryGetValue(Wso2KeyStores.Alias, out var entry)
               && LabCertificates.CanReuse(entry, ca, server.Names, now);
    }

    /// <summary>The lab's root (it anchors the peer's chain and the server's own) and, where the server looks its
    /// own signing certificate up by alias, that certificate. An unchanged truststore is kept byte for byte.</summary>
    private static byte[] TrustStore(Server server, LabCa ca, BcCertificate ownCertificate)
    {
        var wanted = new Dictionary<string, BcCertificate> { [CaTrustAlias] = ca.Root };
        if (server.SigningCertificateTrustAlias is { } alias) wanted[alias] = ownCertificate;
        var existing = File.Exists(server.TrustStore) ? KeyStoreFiles.Read(server.TrustStore, Wso2KeyStores.Password) : null;
        var same = existing is { KeyEntries.Count: 0 } && existing.Format == server.Format
                   && existing.TrustedCertificates.Count == wanted.Count
                   && wanted.All(w => existing.TrustedCertificates.TryGetValue(w.Key, out var c) && c.Equals(w.Value));
        return same
            ? File.ReadAllBytes(server.TrustStore)
            : KeyStoreFiles.Write(server.Format, Wso2KeyStores.Password, alias: null, key: null,
                trusted: [.. wanted.Select(w => (w.Key, w.Value))]);
    }

    private static void PlanToml(Server server, string toml, StatePlan plan) =>
        // deployment.toml holds the admin password: readable by the container's user only, where that can be arranged.
        plan.Write(LabLayout.DeploymentToml(server.Volume), new UTF8Encoding(false).GetBytes(toml),
            new StateFileAccess.ContainerSecret(server.ContainerUid));

    /// <summary>The notification handler jar's file name in IS's dropins, or null.</summary>
    private static string? RevocationNotifierJar(string identityServerVolume)
    {
        var dropins = LabLayout.DropinsDirectory(identityServerVolume);
        return Directory.Exists(dropins)
            ? Directory.EnumerateFiles(dropins, RevocationNotifierJarPattern).Select(Path.GetFileName).Order(StringComparer.Ordinal).FirstOrDefault()
            : null;
    }
}
