using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Configurations;

namespace KmLab.Containers.Tests.Lab;

/// <summary>Why a lab cannot be built on this machine (no engine, no images). <see cref="Optional"/>: the mode itself is
/// optional here (WSO2's images on a machine that cannot pull them), so even CI may skip.</summary>
public sealed class LabUnavailableException(string reason, bool optional = false) : Exception(reason)
{
    public bool Optional { get; } = optional;
}

/// <summary>Checks, before any lab is built, that Docker answers and the lab's images are there.</summary>
public static class DockerGate
{
    /// <exception cref="LabUnavailableException">Docker or an image is missing; the message says what to do.</exception>
    public static async Task RequireAsync(LabImages images, CancellationToken ct)
    {
        using var docker = await ConnectAsync(ct);
        foreach (var image in new[] { images.IdentityServer, images.ApiManager })
        {
            if (await ExistsAsync(docker, image, ct))
                continue;
            if (images.AreTwins)
            {
                // So that a plain `dotnet test` works on a machine with only the SDK and Docker.
                await TwinImages.BuildOnceAsync(ct);
                if (await ExistsAsync(docker, image, ct))
                    continue;
                throw new LabUnavailableException($"twin image {image} is missing after {TwinImages.Script} ran; see its output.");
            }
            try
            {
                var split = image.LastIndexOf(':');
                await docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = image[..split], Tag = image[(split + 1)..] },
                    null, new Progress<JSONMessage>(), ct);
            }
            catch (Exception e) when (e is DockerApiException or HttpRequestException or TimeoutException)
            {
                throw new LabUnavailableException($"{LabImages.Variable}={LabImages.Wso2Kind}: {image} is not on this machine and cannot " +
                                                  $"be pulled ({FirstLine(e.Message)}); run this mode where a registry is reachable.", optional: true);
            }
        }
    }

    /// <summary>A client for the engine Testcontainers uses.</summary>
    /// <exception cref="LabUnavailableException">No engine answers.</exception>
    public static async Task<IDockerClient> ConnectAsync(CancellationToken ct)
    {
        IDockerClient? client = null;
        try
        {
            client = TestcontainersSettings.OS.DockerEndpointAuthConfig?.GetDockerClientBuilder(Guid.Empty).Build()
                     ?? throw new InvalidOperationException("Testcontainers found no Docker endpoint");
            await client.System.PingAsync(ct);
            return client;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            client?.Dispose();
            throw new LabUnavailableException($"no Docker engine answers ({FirstLine(e.Message)}); start one (see .ci/run), with " +
                                              "DOCKER_API_VERSION=1.41 for Debian's docker.io and TESTCONTAINERS_RYUK_DISABLED=true where the reaper image cannot be pulled.");
        }
    }

    private static async Task<bool> ExistsAsync(IDockerClient docker, string image, CancellationToken ct)
    {
        try
        {
            await docker.Images.InspectImageAsync(image, ct);
            return true;
        }
        catch (DockerImageNotFoundException)
        {
            return false;
        }
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
