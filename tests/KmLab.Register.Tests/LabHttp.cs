namespace KmLab.Register.Tests;

/// <summary>An HttpClient for tests that trusts the lab CA only, as register does.</summary>
internal static class LabHttp
{
    public static HttpClient Client(Lab lab) =>
        new(LabTrust.Read(new LabLayout(lab.State.FullName)).CreateHandler());
}
