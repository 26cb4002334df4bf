
namespace KmLab.Provisioner.Wso2Rest;

/// <summary>The secrets of one run, so that text coming back from a server can be scrubbed of them before it is shown.</summary>
internal sealed class Secrets(string adminPassword)
{
    private readonly List<string> _values = [adminPassword];

    public void Add(string? secret)
    {
        if (!string.IsNullOrEmpty(secret)) lock (_values) _values.Add(secret);
    }

    public string Scrub(string text)
    {
        lock (_values)
            return _values.Where(s => s.Length >= 3).Aggregate(text, (t, s) => t.Replace(s, Is7Connector.MaskedValue, StringComparison.Ordinal));
    }
}
