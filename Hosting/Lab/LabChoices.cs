using System.Reflection;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Wso2;
using KmLab.Lab;
using Microsoft.Extensions.Configuration.UserSecrets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KmLab.Hosting;

/// <summary>The one point where the lab's choices reach its servers: just before the run starts
/// (<see cref="BeforeStartEvent"/>), once every <c>With…</c> call has been made. Arguments, environment and health
/// checks need nothing here: their callbacks read <see cref="KmLabResource.Options"/> when the run evaluates them.</summary>
internal static class LabChoices
{
    /// <summary>Applies the choices when the run starts and, when the AppHost cannot keep a generated admin password,
    /// says so once.</summary>
    public static void ApplyBeforeStart(IDistributedApplicationBuilder builder, KmLabResource lab)
    {
        var passwordWarning = AdminPasswordWarning(builder);
        builder.Eventing.Subscribe<BeforeStartEvent>((e, _) =>
        {
            Apply(builder, lab);
            if (passwordWarning is not null)
                e.Services.GetRequiredService<ILoggerFactory>().CreateLogger<KmLabResource>().LogWarning("{Warning}", passwordWarning);
            return Task.CompletedTask;
        });
    }

    /// <summary>Image (WSO2's, tagged with the version, or the local twin), the config volume and the lab CA link (the
    /// lifetime is set earlier: <c>KmLabBuilderExtensions.ApplyLifetime</c>). Only the lab's own annotations are added: a mount or link the AppHost gave a server stays.</summary>
    private static void Apply(IDistributedApplicationBuilder builder, KmLabResource lab)
    {
        var options = lab.Options;
        lab.IdentityServer.Version = options.IdentityServerVersion;
        lab.ApiManager.Version = options.ApiManagerVersion;
        Apply(builder.CreateResourceBuilder(lab.IdentityServer), options, Wso2ContainerImageTags.IdentityServerImage, options.Layout.IdentityServerVolume);
        Apply(builder.CreateResourceBuilder(lab.ApiManager), options, Wso2ContainerImageTags.ApiManagerImage, options.Layout.ApiManagerVolume);
    }

    private static void Apply<T>(IResourceBuilder<T> server, LabOptions options, string image, string volume)
        where T : ContainerResource, IWso2ServerResource
    {
        if (options.Images == Wso2ImageSource.Twin)
            server.WithTwinImage();
        else
            server.WithImage(image, server.Resource.ProductVersion).WithImageRegistry(Wso2ContainerImageTags.Registry);
        server.WithConfigVolume(volume);
        AddLabCaLink(server.Resource, options.Layout);
    }

    /// <summary>Links the lab CA on a server, whose certificates it signs (the dashboard hides the links of a step
    /// that has finished).</summary>
    private static void AddLabCaLink(IResource server, LabLayout layout)
    {
        // First among the server's links (the grid folds the rest under "+n").
        var link = new ResourceUrlAnnotation { Url = new Uri(layout.CaCertificate).AbsoluteUri, DisplayText = ProvisionerSteps.LabCaLinkText };
#pragma warning disable CS0618 // Obsolete only because it is a field; Aspire 13.6's dashboard orders links by it.
        link.DisplayOrder = 100;
#pragma warning restore CS0618
        server.Annotations.Add(link);
    }

    /// <summary>Aspire keeps a generated parameter in the user secrets of the AppHost's assembly
    /// (<see cref="UserSecretsIdAttribute"/>, which <c>&lt;UserSecretsId&gt;</c> adds); without one it
    /// generates the admin password anew at every start, and the servers of a persistent lab (or a state folder
    /// written before) no longer accept it. Null when the password is kept or set.</summary>
    internal static string? AdminPasswordWarning(IDistributedApplicationBuilder builder) =>
        builder.AppHostAssembly?.GetCustomAttribute<UserSecretsIdAttribute>() is not null || new LabSettings(builder.Configuration)[LabParameters.AdminPasswordName] is not null ? null
            : $"KmLab: the AppHost has no <UserSecretsId>, so the admin password is generated anew at every run; to keep it, run `dotnet user-secrets init` in the AppHost's folder (or add <UserSecretsId> to its project), or set Parameters:{LabParameters.AdminPasswordName}.";
}
