using KmLab.Lab;

// The lab's servers alone: the same twin images, ports, config volumes and health checks (readiness over the lab
// CA's TLS), no preflight and no Provisioner step. `--state` names a state folder a lab run has prepared.
var builder = DistributedApplication.CreateBuilder(args);
var layout = new LabLayout(builder.Configuration["state"]
    ?? throw new DistributedApplicationException("pass --state <folder prepared by the lab> (the benchmark does)"));

builder.AddWso2IdentityServer("is7").WithTwinImage().WithConfigVolume(layout.IdentityServerVolume).WithReadinessCheck(layout);
builder.AddWso2ApiManager("apim").WithTwinImage().WithConfigVolume(layout.ApiManagerVolume).WithReadinessCheck(layout);

builder.Build().Run();
