using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;

namespace KmLab.AppHost.Tests;

/// <summary>The AppHost's application model, built by Aspire.Hosting.Testing from the real AppHost with the given
/// parameters, as it stands when the run starts (after <see cref="BeforeStartEvent"/>), without starting anything
/// (no container runtime needed).</summary>
internal sealed class LabModel : IAsyncDisposable
{
    private readonly IDistributedApplicationTestingBuilder _builder;
    private readonly ServiceProvider _services;

    private LabModel(IDistributedApplicationTestingBuilder builder, ServiceProvider services) => (_builder, _services) = (builder, services);

    public IDistributedApplicationTestingBuilder Builder => _builder;

    /// <param name="parameters">name=value pairs, passed as <c>--Parameters:name=value</c>.</param>
    public static async Task<LabModel> CreateAsync(params string[] parameters)
    {
        var args = parameters.Select(p => $"--Parameters:{p}").ToArray();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.KmLab_AppHost>(
            args, TestContext.Current.CancellationToken);
        return new LabModel(builder, await BeforeStartAsync(builder.Services, builder.Eventing, builder.Resources));
    }

    /// <summary>Raises <see cref="BeforeStartEvent"/> on the model as <c>Run</c> does before it starts anything, which
    /// is where the lab applies its choices to the servers. Nothing is built or started (building the real AppHost's
    /// builder would let its Main run the app). Dispose the services.</summary>
    public static Task<ServiceProvider> BeforeStartAsync(IDistributedApplicationBuilder builder) =>
        BeforeStartAsync(builder.Services, builder.Eventing, builder.Resources);

    private static async Task<ServiceProvider> BeforeStartAsync(IServiceCollection services, IDistributedApplicationEventing eventing,
        IResourceCollection resources)
    {
        var provider = services.BuildServiceProvider();
        await eventing.PublishAsync(new BeforeStartEvent(provider, new DistributedApplicationModel(resources)), TestContext.Current.CancellationToken);
        return provider;
    }

    public IResource this[string name] => _builder.Resources.Single(r => r.Name == name);

    public T Get<T>(string name) where T : IResource => Assert.IsType<T>(this[name]);

    /// <summary>The arguments as the model holds them, before Aspire resolves endpoints and parameters.</summary>
    public static async Task<List<object>> ArgumentsOf(IResource resource)
    {
        var args = new List<object>();
        foreach (var annotation in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
            await annotation.Callback(new CommandLineArgsCallbackContext(args, resource, TestContext.Current.CancellationToken));
        return args;
    }

    /// <summary>The environment as the model holds it: a secret stays a <see cref="ParameterResource"/>.</summary>
    public async Task<Dictionary<string, object>> EnvironmentOf(IResource resource)
    {
        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(_builder.ExecutionContext, resource, environment, TestContext.Current.CancellationToken);
        foreach (var annotation in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
            await annotation.Callback(context);
        return environment;
    }

    /// <summary>A step's arguments from the Provisioner command on: the repository's AppHost runs the built
    /// Provisioner assembly, which comes first (<c>dotnet …/KmLab.Provisioner.dll prepare …</c>).</summary>
    public static IEnumerable<object> CommandOf(List<object> args) =>
        args.SkipWhile(a => a is string s && s.EndsWith(".dll", StringComparison.Ordinal));

    /// <summary>The value following <paramref name="option"/> in an argument list.</summary>
    public static object ValueOf(List<object> args, string option)
    {
        var index = args.FindIndex(a => a is string s && s == option);
        Assert.True(index >= 0 && index + 1 < args.Count, $"'{option}' with a value is not among the arguments: {string.Join(' ', args)}");
        return args[index + 1];
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _builder.DisposeAsync();
    }
}
