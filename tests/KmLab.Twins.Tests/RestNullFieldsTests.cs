namespace KmLab.Twins.Tests;

/// <summary>APIM's REST APIs write through a plain Jackson provider: a DTO field nothing set is written as
/// <c>null</c>, a list the generated DTO starts empty as <c>[]</c> (docs/twins.md, "APIM REST: null fields as
/// Jackson writes them"). A client that treats "absent" and "null" alike works on both; one that does not fails
/// here first.</summary>
public sealed class RestNullFieldsTests
{
    [Fact]
    public async Task A_new_application_shows_its_unset_description_as_null_and_its_groups_as_an_empty_list()
    {
        await using var lab = await TwinLab.StartAsync();

        // store ApplicationDTO: description has no default; groups and keys start as empty lists, attributes as an
        // empty map, tokenType as JWT.
        var (status, body) = await lab.SendAsync(HttpMethod.Post, "/api/am/devportal/v3/applications",
            new JsonObject { ["name"] = "nulls", ["throttlingPolicy"] = "Unlimited" });

        Assert.Equal(201, status);
        var application = body!.AsObject();
        Assert.True(application.ContainsKey("description"), "description is written even when unset");
        Assert.Null(application["description"]);
        Assert.Empty(application["groups"]!.AsArray());
        Assert.Empty(application["keys"]!.AsArray());
        Assert.Empty(application["attributes"]!.AsObject());
        Assert.Equal("JWT", (string?)application["tokenType"]);
    }

    [Fact]
    public async Task A_key_manager_without_an_alias_shows_it_as_null_and_its_claim_mapping_as_an_empty_list()
    {
        await using var lab = await TwinLab.StartAsync();

        // admin KeyManagerDTO: alias has no default; claimMapping and tokenValidation start as empty lists.
        var (status, body) = await lab.AddKeyManagerAsync(lab.Is7KeyManager("NullsKm"));

        Assert.Equal(201, status);
        var keyManager = body!.AsObject();
        Assert.True(keyManager.ContainsKey("alias"), "alias is written even when unset");
        Assert.Null(keyManager["alias"]);
        Assert.Empty(keyManager["claimMapping"]!.AsArray());
        Assert.Empty(keyManager["tokenValidation"]!.AsArray());
    }

    [Fact]
    public async Task A_rest_error_carries_the_error_dtos_empty_list()
    {
        await using var lab = await TwinLab.StartAsync();

        // ErrorDTO: error starts as an empty list.
        var (status, body) = await lab.SendAsync(HttpMethod.Get, $"/api/am/devportal/v3/applications/{Guid.NewGuid()}");

        Assert.Equal(404, status);
        Assert.Empty(body!["error"]!.AsArray());
    }
}
