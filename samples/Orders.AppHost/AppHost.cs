var builder = DistributedApplication.CreateBuilder(args);

// <kmlab-snippet> (the README's "Add the lab to your own AppHost" shows these lines verbatim; a test compares them)
var lab = builder.AddKmLab("kmlab")
    .WithTwinImages();

var orders = builder.AddProject<Projects.Orders_Api>("orders")
    .WithKmLabResourceServer(lab);

var ordersApi = lab.AddGatewayApi("orders-api", orders, context: "/orders", version: "1.0.0");
// </kmlab-snippet>

// The dashboard links both ways in: the service itself, and the same operation through APIM's gateway.
orders.WithUrlForEndpoint("http", url => url.DisplayText = "Orders (direct)");

builder.Build().Run();
