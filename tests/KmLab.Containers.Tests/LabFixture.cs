using System.Runtime.ExceptionServices;

namespace KmLab.Containers.Tests;

/// <summary>Every container test runs in this one collection, one at a time: the shared lab publishes fixed ports, and
/// a 2-core machine runs one lab's worth of containers best.</summary>
[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<LabFixture>
{
    public const string Name = "container lab";
}

/// <summary>One lab, started and registered once for the collection (the AppHost's lab: fixed ports, defaults).
/// It is started on first use inside a test, so "no Docker" fails or skips that test with its reason.</summary>
public sealed class LabFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ContainerLab? _lab;
    private ExceptionDispatchInfo? _failure;

    /// <summary>What the first <c>register</c> against the fresh lab did.</summary>
    public RegisterResult FirstRegistration { get; private set; } = null!;

    public async Task<ContainerLab> LabAsync()
    {
        await _gate.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            _failure?.Throw();
            if (_lab is null)
            {
                try
                {
                    var lab = await Labs.StartAsync(new LabOptions());
                    _lab = lab;
                    try
                    {
                        FirstRegistration = await new KeyManagerRegistrar().RunAsync(lab.RegisterRequest(), TestContext.Current.CancellationToken);
                    }
                    catch (LabException e)
                    {
                        throw new InvalidOperationException($"register failed on the fresh lab: {e.Message}\n{await lab.LogTailsAsync()}", e);
                    }
                }
                catch (Exception e)
                {
                    _failure = ExceptionDispatchInfo.Capture(e);
                    throw;
                }
            }
            return _lab;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The provisioner's <c>smoke</c> step against the lab (it creates or reuses, so tests may repeat it).</summary>
    public async Task<SmokeResult> SmokeAsync()
    {
        var lab = await LabAsync();
        return await LabSmoke.RunAsync(SmokeRequestFor(lab), TestContext.Current.CancellationToken);
    }

    /// <summary>The <c>smoke</c> request for the lab (the <c>roles</c> request wraps it): its URLs, the Key Manager
    /// register made, its admin.</summary>
    public SmokeRequest SmokeRequestFor(ContainerLab lab) =>
        new(lab.Layout.Root, lab.ApimUrl, lab.GatewayUrl, lab.IsUrl, RegisterRequest.DefaultKeyManagerName,
            lab.Topology.AdminUser, lab.Topology.AdminPassword)
        {
            IsInternalUrl = lab.IsInternalUrl,
        };

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_lab is not null)
            await _lab.DisposeAsync();
        _gate.Dispose();
    }
}
