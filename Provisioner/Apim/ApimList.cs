namespace KmLab.Provisioner.Apim;

/// <summary>The envelope of every list answer of APIM's REST APIs (<c>KeyManagerList</c>, <c>APIList</c>,
/// <c>ScopeList</c>, <c>ApplicationList</c>, ... of the Admin, Publisher and DevPortal specs): <c>count</c> and
/// <c>list</c>; the lab reads no pagination.</summary>
public sealed record ApimList<T>
{
    public int? Count { get; init; }
    public IReadOnlyList<T> List { get; init; } = [];
}
