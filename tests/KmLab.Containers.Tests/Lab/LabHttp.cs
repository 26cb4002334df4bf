namespace KmLab.Containers.Tests.Lab;

/// <summary>HTTP clients that trust the lab CA and nothing else, as a user who imported kmlab-ca.pem would
/// (the host name is still checked).</summary>
public static class LabHttp
{
    public static HttpClient TrustingLabCa(string caPemPath, TimeSpan? timeout = null) =>
        // Short-lived connections: servers restart under the tests.
        new(LabTrust.Read(caPemPath).CreateHandler(pooledConnectionLifetime: TimeSpan.FromSeconds(10)))
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };
}
