using KmLab.AppHost.Lab;

// The https launch profile needs a trusted developer certificate: name the one-time step instead of a stack trace.
if (DevCertificate.MissingStep(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"), Environment.GetEnvironmentVariable("SSL_CERT_DIR")) is { } step)
{
    Console.Error.WriteLine(step);
    return 1;
}

var builder = DistributedApplication.CreateBuilder(args);

// The lab, as the README draws it:  preflight + prepare ──▶ is7 + apim ──(both healthy)──▶ register
// The repository runs its own Provisioner project (no packing needed to try a change); the package's users run the
// KmLab.Provisioner tool of the same version. Parameters (admin-password, is-version, apim-version, images,
// persistent, state-dir, demo) override the choices made here.
builder.AddKmLab("kmlab", KmLabProvisioner.Project<Projects.KmLab_Provisioner>())
    .WithStateDirectory("../.kmlab/state");

builder.Build().Run();
return 0;
