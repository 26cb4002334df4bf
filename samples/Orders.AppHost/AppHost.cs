var builder = DistributedApplication.CreateBuilder(args);

// <readme:apphost> (README.md shows these lines verbatim; ReadmeSampleTests compares them)
var lab = builder.AddKmLab("kmlab")
    .WithTwinImages();

var orders = builder.AddProject<Projects.Orders_Api>("orders")
    .WithKmLabResourceServer(lab);

var ordersApi = lab.AddGatewayApi("orders-api", orders, context: "/orders", version: "1.0.0").WithPublicOperation("GET", "/catalogue");
// </readme:apphost>

// The dashboard links both ways in: the service itself here, the gateway URL on orders-api (publish records it).
orders.WithUrlForEndpoint("http", url => url.DisplayText = "Orders (direct)");

builder.Build().Run();
