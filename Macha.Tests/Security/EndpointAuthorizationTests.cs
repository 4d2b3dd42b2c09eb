using Macha.Tests.Fakes;
using Macha.Web.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Security;

/// <summary>Checks the policies on the endpoints themselves, so a new endpoint cannot forget them.</summary>
public sealed class EndpointAuthorizationTests : IClassFixture<MachaWebFactory>
{
    private readonly MachaWebFactory _factory;

    public EndpointAuthorizationTests(MachaWebFactory factory)
    {
        _factory = factory;
    }

    [Fact]
    public void ApiEndpoints_Every_RequireRead()
    {
        var missing = ApiEndpoints()
            .Where(endpoint => !Policies(endpoint).Contains(MachaPolicies.Read))
            .Select(endpoint => endpoint.DisplayName)
            .ToList();

        Assert.NotEmpty(ApiEndpoints());
        Assert.Empty(missing);
    }

    [Fact]
    public void ApiEndpoints_ThatChangeSomething_RequireOperate()
    {
        var changing = ApiEndpoints()
            .Where(endpoint => endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Any(method => !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method)) == true)
            .ToList();

        var missing = changing
            .Where(endpoint => !Policies(endpoint).Contains(MachaPolicies.Operate))
            .Select(endpoint => endpoint.DisplayName)
            .ToList();

        Assert.Contains(changing, endpoint => endpoint.RoutePattern.RawText == "/api/cycles");
        Assert.Empty(missing);
    }

    private List<RouteEndpoint> ApiEndpoints() =>
        _factory.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => endpoint.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .ToList();

    private static HashSet<string?> Policies(Endpoint endpoint) =>
        endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(data => data.Policy).ToHashSet();
}
