using System.Reflection;
using Aspire.Hosting.ApplicationModel;

namespace Aspire.Hosting;

/// <summary>How the lab launches the KmLab Provisioner, whose commands (<c>prepare</c>, <c>register</c>,
/// <c>publish</c>, <c>demo</c>) are the lab's steps. There is one implementation of each step, the Provisioner's; this
/// only chooses where its binary comes from.</summary>
public abstract class KmLabProvisioner
{
    private protected KmLabProvisioner() { }

    /// <summary>The NuGet package of the Provisioner's .NET tool (command <c>kmlab-provisioner</c>).</summary>
    public const string ToolPackageId = "KmLab.Provisioner";

    /// <summary>This package's own version: the Provisioner tool it runs is the one built with it.</summary>
    public static string PackageVersion { get; } =
        (typeof(KmLabProvisioner).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0")
        .Split('+')[0];

    /// <summary>The default: the <c>KmLab.Provisioner</c> .NET tool in <see cref="PackageVersion"/>, run with
    /// <c>dotnet tool exec</c> (.NET SDK 10+) from the NuGet sources the AppHost's folder configures; once that version
    /// is in NuGet's global packages folder, its assembly runs from there without asking the sources again.</summary>
    /// <param name="source">An extra NuGet source (e.g. a local folder of packed packages), or null.</param>
    public static KmLabProvisioner Tool(string? source = null) => new ToolProvisioner(source);

    /// <summary>A project of the AppHost's own solution, e.g. <c>Projects.KmLab_Provisioner</c> in the KmLab repository,
    /// so that a change to the Provisioner runs without packing it. Each step runs the assembly the AppHost's build
    /// wrote (<c>dotnet bin/…/KmLab.Provisioner.dll</c>); where there is none, the project itself (<c>dotnet run</c>).</summary>
    public static KmLabProvisioner Project<TProject>() where TProject : IProjectMetadata, new() => new ProjectProvisioner<TProject>();

    internal abstract ProvisionerStep AddStep(IDistributedApplicationBuilder builder, string name);

    private sealed class ToolProvisioner(string? source) : KmLabProvisioner
    {
        internal override ProvisionerStep AddStep(IDistributedApplicationBuilder builder, string name)
        {
            // `dotnet tool exec` resolves the package against its sources at every start (0.8 s of CPU, 3–3.5 s of wall
            // clock per step on a busy 2-core machine). Once it has put this version into NuGet's global packages
            // folder, a step runs the tool's assembly from there (0.1 s of CPU): the files tool exec would run.
            if (CachedToolAssembly(GlobalPackagesFolder(), PackageVersion) is { } cached)
                return new ProvisionerStep<ExecutableResource>(builder.AddExecutable(name, "dotnet", builder.AppHostDirectory, cached).WithOtlpExporter());
            var tool = builder.AddDotnetTool(name, ToolPackageId).WithToolVersion(PackageVersion).WithOtlpExporter();
            if (source is not null)
                tool.WithToolSource(source);
            return new ProvisionerStep<DotnetToolResource>(tool);
        }
    }

    private sealed class ProjectProvisioner<TProject> : KmLabProvisioner where TProject : IProjectMetadata, new()
    {
        internal override ProvisionerStep AddStep(IDistributedApplicationBuilder builder, string name)
        {
            // Aspire starts a project with `dotnet run --project … --no-build`, which evaluates the project with MSBuild
            // before the program starts: 1.2–1.5 s a step on a 2-core machine, where `dotnet <the built assembly>` takes
            // 0.15–0.2 s. The AppHost builds its project references, so the assembly is there and current.
            var project = new TProject().ProjectPath;
            if (BuiltAssembly(project, builder.AppHostAssembly) is not { } assembly)
                return new ProvisionerStep<ProjectResource>(builder.AddProject<TProject>(name));
            var step = builder.AddExecutable(name, "dotnet", Path.GetDirectoryName(project)!, assembly).WithOtlpExporter();
            return new ProvisionerStep<ExecutableResource>(step);
        }
    }

    /// <summary>NuGet's global packages folder: <c>NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>.</summary>
    private static string GlobalPackagesFolder() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    /// <summary>The tool's assembly in <paramref name="packagesFolder"/> (<c>kmlab.provisioner/&lt;version&gt;/tools/&lt;framework&gt;/any/</c>)
    /// when NuGet finished extracting that version there (it writes <c>.nupkg.metadata</c> last), else null.</summary>
    internal static string? CachedToolAssembly(string packagesFolder, string version)
    {
        var package = Path.Combine(packagesFolder, ToolPackageId.ToLowerInvariant(), version.ToLowerInvariant());
        var tools = Path.Combine(package, "tools");
        if (!File.Exists(Path.Combine(package, ".nupkg.metadata")) || !Directory.Exists(tools))
            return null;
        return Directory.EnumerateFiles(tools, ToolPackageId + ".dll", SearchOption.AllDirectories)
            .Where(dll => File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")))
            .OrderByDescending(dll => dll, StringComparer.Ordinal) // net10.0 before net9.0: the newest framework first
            .FirstOrDefault();
    }

    /// <summary>The assembly the build of <paramref name="projectPath"/> wrote for the AppHost's configuration
    /// (<c>bin/&lt;configuration&gt;/&lt;framework&gt;/&lt;project name&gt;.dll</c>, the SDK's default output path), or null.</summary>
    internal static string? BuiltAssembly(string projectPath, Assembly? appHost)
    {
        var configuration = appHost?.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        var bin = Path.Combine(Path.GetDirectoryName(projectPath) ?? ".", "bin", configuration ?? "Debug");
        if (configuration is null || !Directory.Exists(bin))
            return null;
        var name = Path.GetFileNameWithoutExtension(projectPath) + ".dll";
        return Directory.EnumerateDirectories(bin)
            .Select(framework => new FileInfo(Path.Combine(framework, name)))
            .Where(dll => dll.Exists && File.Exists(Path.ChangeExtension(dll.FullName, ".runtimeconfig.json")))
            .OrderByDescending(dll => dll.LastWriteTimeUtc)
            .FirstOrDefault()?.FullName;
    }
}

/// <summary>One Provisioner command as a one-shot resource, whatever launches it (a project or the tool): the
/// operations the lab needs of either.</summary>
internal abstract class ProvisionerStep
{
    public abstract IResourceBuilder<IResource> Builder { get; }

    public IResource Resource => Builder.Resource;

    /// <summary>Arguments computed when the step starts, after the Provisioner's own launch arguments.</summary>
    public abstract ProvisionerStep WithArgs(Action<IList<object>> args);

    /// <summary>Environment computed when the step starts (a secret stays a <see cref="ParameterResource"/>).</summary>
    public abstract ProvisionerStep WithEnvironment(Action<IDictionary<string, object>> environment);

    public abstract ProvisionerStep WaitFor(IResourceBuilder<IResource> dependency);

    public abstract ProvisionerStep WaitForCompletion(IResourceBuilder<IResource> dependency);
}

internal sealed class ProvisionerStep<T>(IResourceBuilder<T> builder) : ProvisionerStep
    where T : class, IResourceWithArgs, IResourceWithEnvironment, IResourceWithWaitSupport
{
    public override IResourceBuilder<IResource> Builder => builder;

    public override ProvisionerStep WithArgs(Action<IList<object>> args)
    {
        builder.WithArgs(context => args(context.Args));
        return this;
    }

    public override ProvisionerStep WithEnvironment(Action<IDictionary<string, object>> environment)
    {
        builder.WithEnvironment(context => environment(context.EnvironmentVariables));
        return this;
    }

    public override ProvisionerStep WaitFor(IResourceBuilder<IResource> dependency)
    {
        builder.WaitFor(dependency);
        return this;
    }

    public override ProvisionerStep WaitForCompletion(IResourceBuilder<IResource> dependency)
    {
        builder.WaitForCompletion(dependency);
        return this;
    }
}
