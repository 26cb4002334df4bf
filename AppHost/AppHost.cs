using KmLab.AppHost.Lab;

// The https launch profile needs a trusted developer certificate: name the one-time step instead of a stack trace.
if (DevCertificate.MissingStep(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"), Environment.GetEnvironmentVariable("SSL_CERT_DIR")) is { } step)
{
    Console.Error.WriteLine(step);
    return 1;
}

// The lab, as the README draws it:  preflight + prepare ──▶ is7 + apim ──(both healthy)──▶ register
var builder = DistributedApplication.CreateBuilder(args);

// admin-password (secret), is-version, apim-version, images (wso2 | twin), persistent, state-dir
var lab = builder.AddLabParameters();

// One-shot: writes both config volumes and the lab CA into the state folder, then exits.
var prepare = builder.AddProvisionerStep(ProvisionerSteps.PrepareCommand, lab)
    .WithLabCaCertificate(lab);

var is7 = builder.AddWso2IdentityServer("is7", lab.IdentityServerVersion, portOffset: 1)
    .WithPreparedConfiguration(prepare, lab)
    .WithLabChoices(lab);

var apim = builder.AddWso2ApiManager("apim", lab.ApiManagerVersion)
    .WithPreparedConfiguration(prepare, lab)
    .WithLabChoices(lab);

// Docker answers, memory, ports free, images here: each failure one line naming the fix, before a server starts.
builder.AddPreflight(lab, is7, apim);

// One-shot: makes is7 APIM's Key Manager once both are healthy, proves a token from IS works, then exits.
var register = builder.AddProvisionerStep(ProvisionerSteps.RegisterCommand, lab);
apim.WithKeyManager(is7, register);

prepare.WithReprepareCommand([is7, apim], register);

builder.Build().Run();
return 0;
