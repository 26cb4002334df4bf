namespace KmLab.AppHost.Tests;

/// <summary>The AppHost's application model, built by Aspire.Hosting.Testing from the real AppHost with the given
/// parameters, without starting anything (no container runtime needed).</summary>
internal sealed class LabModel : IAsyncDisposable
{
    private readonly IDistributedApplicationTestingBuilder _builder;

    private LabModel(IDistributedApplicationTestingBuilder builder) => _builder = builder;

    public IDistributedApplicationTestingBuilder Builder => _builder;

    /// <param name="parameters">name=value pairs, passed as <c>--Parameters:name=value</c>.</param>
    public static async Task<LabModel> CreateAsync(params string[] parameters)
    {
        var args = parameters.Select(p => $"--Parameters:{p}").ToArray();
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.KmLab_AppHost>(
            args, TestContext.Current.CancellationToken);
        return new LabModel(builder);
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

    public ValueTask DisposeAsync() => _builder.DisposeAsync();
}
