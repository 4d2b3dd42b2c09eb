using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Macha.Core.Hosts;
using Macha.Tests.Fakes;
using Macha.Tests.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Macha.Tests.Api;

/// <summary>
/// The host endpoints on the whole web app. Hosts added here point at 127.0.0.1 and a closed port,
/// and no cycle runs after they are added, so no test connects anywhere.
/// </summary>
public sealed class HostEndpointsTests
{
    private const string Fingerprint = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
    private const string OtherFingerprint = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

    [Fact]
    public async Task List_Default_ReturnsLocalHost()
    {
        await using var factory = new MachaWebFactory().WithSetting("Macha:LocalHostName", "control");
        using var client = factory.CreateClient();

        var hosts = await client.GetFromJsonAsync<JsonElement>("/api/hosts");

        var local = Assert.Single(hosts.EnumerateArray());
        Assert.Equal("control", local.GetProperty("name").GetString());
        Assert.Equal("Local", local.GetProperty("source").GetString());
        Assert.Equal("Local", local.GetProperty("trustState").GetString());
        Assert.True(local.GetProperty("readOnly").GetBoolean());
        Assert.False(local.GetProperty("needsConfirmation").GetBoolean());
    }

    [Fact]
    public async Task Add_Valid_Returns201AndListsHost()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        var keyFile = CreateKeyFile(factory);

        var response = await client.PostAsJsonAsync("/api/hosts", new
        {
            name = "web-2",
            address = "127.0.0.1",
            port = 2,
            user = "deploy",
            privateKeyFile = keyFile,
            hostKeyFingerprints = new[] { Fingerprint + "=" },
            tags = new[] { "web", " eu " },
            autonomyLevel = "autosafe",
        });
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var fetched = await client.GetFromJsonAsync<JsonElement>("/api/hosts/web-2");
        var list = await client.GetFromJsonAsync<JsonElement>("/api/hosts");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/hosts/web-2", response.Headers.Location?.OriginalString);
        Assert.Equal("web-2", created.GetProperty("name").GetString());
        Assert.Equal("Api", fetched.GetProperty("source").GetString());
        Assert.Equal("Pinned", fetched.GetProperty("trustState").GetString());
        Assert.Equal("Unknown", fetched.GetProperty("status").GetString());
        Assert.Equal("127.0.0.1", fetched.GetProperty("address").GetString());
        Assert.Equal(2, fetched.GetProperty("port").GetInt32());
        Assert.Equal("deploy", fetched.GetProperty("user").GetString());
        Assert.Equal(keyFile, fetched.GetProperty("privateKeyFile").GetString());
        Assert.Equal(new[] { Fingerprint }, fetched.GetProperty("pinnedKeys").EnumerateArray().Select(k => k.GetString()!).ToArray());
        Assert.Equal(new[] { "web", "eu" }, fetched.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.Equal("AutoSafe", fetched.GetProperty("autonomyLevel").GetString());
        Assert.False(fetched.GetProperty("readOnly").GetBoolean());
        Assert.Equal("local", fetched.GetProperty("confirmedBy").GetString());
        Assert.Equal(JsonValueKind.Null, fetched.GetProperty("lastContactAt").ValueKind);
        Assert.Contains(list.EnumerateArray(), h => h.GetProperty("name").GetString() == "web-2");
    }

    [Fact]
    public async Task Add_InvalidFields_Returns400NamingEachField()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/hosts", new
        {
            name = "bad name; rm -rf /",
            port = 70000,
            privateKeyFile = "relative/key",
            hostKeyFingerprints = new[] { "MD5:aa:bb" },
            autonomyLevel = "Reckless",
        });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var list = await client.GetFromJsonAsync<JsonElement>("/api/hosts");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Invalid host", problem.GetProperty("title").GetString());
        var errors = problem.GetProperty("errors");
        Assert.Contains("not a valid host name", errors.GetProperty("name")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("between 1 and 65535", errors.GetProperty("port")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("absolute path", errors.GetProperty("privateKeyFile")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("MD5:aa:bb", errors.GetProperty("hostKeyFingerprints")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("AutoSafe", errors.GetProperty("autonomyLevel")[0].GetString(), StringComparison.Ordinal);
        Assert.Single(list.EnumerateArray());
    }

    [Fact]
    public async Task Add_MissingKeyFile_Returns400()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        var missing = Path.Combine(factory.DataDirectory, "no-such-key");

        var response = await client.PostAsJsonAsync("/api/hosts", new { name = "web-3", address = "127.0.0.1", privateKeyFile = missing });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("does not exist", problem.GetProperty("errors").GetProperty("privateKeyFile")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_NoBody_Returns400Problem()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        using var content = new StringContent("null", System.Text.Encoding.UTF8, "application/json");

        var response = await client.PostAsync(new Uri("/api/hosts", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Add_ConfiguredName_Returns409AndKeepsConfiguration()
    {
        await using var factory = new MachaWebFactory();
        var keyFile = CreateKeyFile(factory);
        factory.WithSetting("Macha:Hosts:Remote:0:Name", "db-1")
            .WithSetting("Macha:Hosts:Remote:0:Address", "127.0.0.1")
            .WithSetting("Macha:Hosts:Remote:0:Port", "2")
            .WithSetting("Macha:Hosts:Remote:0:PrivateKeyFile", keyFile)
            .WithSetting("Macha:Hosts:Remote:0:HostKeyFingerprints:0", Fingerprint);
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);

        var response = await client.PostAsJsonAsync("/api/hosts", new { name = "DB-1", address = "127.0.0.1", port = 3, privateKeyFile = keyFile });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var configured = await client.GetFromJsonAsync<JsonElement>("/api/hosts/db-1");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("already exists", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Configuration", configured.GetProperty("source").GetString());
        Assert.True(configured.GetProperty("readOnly").GetBoolean());
        Assert.Equal(2, configured.GetProperty("port").GetInt32());
    }

    [Fact]
    public async Task Add_SurvivesRestart()
    {
        using var data = new TestDataDirectory();
        var keyFile = Path.Combine(data.Path, "id_ed25519");
        await File.WriteAllTextAsync(keyFile, "not read by this test");
        await using (var first = new MachaWebFactory().WithSetting("Macha:DataDirectory", data.Path))
        {
            using var client = first.CreateClient();
            var response = await client.PostAsJsonAsync("/api/hosts", new
            {
                name = "cache-1",
                address = "127.0.0.1",
                port = 2,
                privateKeyFile = keyFile,
                hostKeyFingerprints = new[] { Fingerprint },
                tags = new[] { "cache" },
            });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        await using var second = new MachaWebFactory().WithSetting("Macha:DataDirectory", data.Path);
        using var restarted = second.CreateClient();

        var host = await restarted.GetFromJsonAsync<JsonElement>("/api/hosts/cache-1");

        Assert.Equal("Api", host.GetProperty("source").GetString());
        Assert.Equal("Pinned", host.GetProperty("trustState").GetString());
        Assert.Equal(Fingerprint, host.GetProperty("pinnedKeys")[0].GetString());
        Assert.Equal("cache", host.GetProperty("tags")[0].GetString());
        Assert.Contains(second.Services.GetRequiredService<HostRegistry>().GetHosts(), shell => shell.HostName == "cache-1");
    }

    [Fact]
    public async Task Get_UnknownHost_Returns404Problem()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();

        var response = await client.GetAsync(new Uri("/api/hosts/nowhere", UriKind.Relative));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("nowhere", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_DiscoveredHost_TrustsAndPinsKey()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);
        var registry = factory.Services.GetRequiredService<HostRegistry>();
        await registry.AddDiscoveredAsync(["edge-7"], HostSource.Journal);
        var before = await client.GetFromJsonAsync<JsonElement>("/api/hosts/edge-7");
        var visitedBefore = registry.GetHosts().Select(shell => shell.HostName).ToList();

        var response = await client.PostAsJsonAsync("/api/hosts/edge-7/confirm", new { fingerprint = Fingerprint });
        var confirmed = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("Discovered", before.GetProperty("trustState").GetString());
        Assert.True(before.GetProperty("needsConfirmation").GetBoolean());
        Assert.DoesNotContain("edge-7", visitedBefore);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Pinned", confirmed.GetProperty("trustState").GetString());
        Assert.False(confirmed.GetProperty("needsConfirmation").GetBoolean());
        Assert.Equal(Fingerprint, confirmed.GetProperty("pinnedKeys")[0].GetString());
        Assert.Equal("local", confirmed.GetProperty("confirmedBy").GetString());
        Assert.Contains(registry.GetHosts(), shell => shell.HostName == "edge-7");
    }

    [Fact]
    public async Task Confirm_WithConnection_SetsEveryField()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);
        var keyFile = CreateKeyFile(factory);
        var registry = factory.Services.GetRequiredService<HostRegistry>();
        await registry.AddDiscoveredAsync(["edge-20"], HostSource.Journal);

        var response = await client.PostAsJsonAsync("/api/hosts/edge-20/confirm", new
        {
            fingerprint = Fingerprint,
            address = " 127.0.0.1 ",
            port = 2,
            user = "deploy",
            privateKeyFile = keyFile,
        });
        var confirmed = await response.Content.ReadFromJsonAsync<JsonElement>();
        var fetched = await client.GetFromJsonAsync<JsonElement>("/api/hosts/edge-20");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Pinned", confirmed.GetProperty("trustState").GetString());
        Assert.Equal(Fingerprint, confirmed.GetProperty("pinnedKeys")[0].GetString());
        Assert.Equal("127.0.0.1", fetched.GetProperty("address").GetString());
        Assert.Equal(2, fetched.GetProperty("port").GetInt32());
        Assert.Equal("deploy", fetched.GetProperty("user").GetString());
        Assert.Equal(keyFile, fetched.GetProperty("privateKeyFile").GetString());
        Assert.Equal("Journal", fetched.GetProperty("source").GetString());
        Assert.Contains(registry.GetHosts(), shell => shell.HostName == "edge-20");
    }

    [Fact]
    public async Task Confirm_EmptyBody_KeepsTheDiscoveredDefaults()
    {
        await using var factory = new MachaWebFactory().WithSetting("Macha:Hosts:DefaultUser", "ops");
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);
        await factory.Services.GetRequiredService<HostRegistry>().AddDiscoveredAsync(["edge-21"], HostSource.Flake);

        var response = await client.PostAsync(new Uri("/api/hosts/edge-21/confirm", UriKind.Relative), null);
        var confirmed = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Unpinned", confirmed.GetProperty("trustState").GetString());
        Assert.Equal("edge-21", confirmed.GetProperty("address").GetString());
        Assert.Equal(22, confirmed.GetProperty("port").GetInt32());
        Assert.Equal("ops", confirmed.GetProperty("user").GetString());
    }

    [Theory]
    [InlineData("port", "{\"port\": 70000}", "between 1 and 65535")]
    [InlineData("port", "{\"port\": 0}", "between 1 and 65535")]
    [InlineData("address", "{\"address\": \"0.0.0.0\"}", "0.0.0.0")]
    [InlineData("address", "{\"address\": \"web 1\"}", "web 1")]
    [InlineData("user", "{\"user\": \"Deploy User\"}", "not a valid login name")]
    [InlineData("privateKeyFile", "{\"privateKeyFile\": \"keys/id_ed25519\"}", "absolute path")]
    [InlineData("privateKeyFile", "{\"privateKeyFile\": \"/nonexistent/id_ed25519\"}", "does not exist")]
    [InlineData("fingerprint", "{\"fingerprint\": \"SHA256:short\"}", "SHA256:short")]
    public async Task Confirm_InvalidField_Returns400NamingIt(string field, string body, string message)
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);
        await factory.Services.GetRequiredService<HostRegistry>().AddDiscoveredAsync(["edge-22"], HostSource.Journal);

        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await client.PostAsync(new Uri("/api/hosts/edge-22/confirm", UriKind.Relative), content);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var host = await client.GetFromJsonAsync<JsonElement>("/api/hosts/edge-22");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = problem.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(error => error.Name));
        Assert.Contains(message, errors.GetProperty(field)[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("Discovered", host.GetProperty("trustState").GetString());
        Assert.Equal("edge-22", host.GetProperty("address").GetString());
        Assert.Equal(22, host.GetProperty("port").GetInt32());
    }

    [Fact]
    public async Task Confirm_TrustedWithAddress_Returns400()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        var keyFile = CreateKeyFile(factory);
        await client.PostAsJsonAsync("/api/hosts", new { name = "web-20", address = "127.0.0.1", port = 2, privateKeyFile = keyFile, hostKeyFingerprints = new[] { OtherFingerprint } });
        var registry = factory.Services.GetRequiredService<HostRegistry>();
        await ((IHostKeyStore)registry).RecordAsync("web-20", new HostKeyOffer("ssh-ed25519", Fingerprint), HostKeyVerdict.Mismatch);

        var response = await client.PostAsJsonAsync("/api/hosts/web-20/confirm", new { fingerprint = Fingerprint, address = "127.0.0.2", port = 3 });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var host = await client.GetFromJsonAsync<JsonElement>("/api/hosts/web-20");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["address", "port"], problem.GetProperty("errors").EnumerateObject().Select(error => error.Name).Order(StringComparer.Ordinal));
        Assert.Contains("only on a discovered host or a trusted host that has not presented a key yet", problem.GetProperty("errors").GetProperty("address")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("already presented a key at 127.0.0.1 port 2", problem.GetProperty("errors").GetProperty("address")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", host.GetProperty("address").GetString());
        Assert.Equal("KeyChanged", host.GetProperty("trustState").GetString());
        Assert.Equal([OtherFingerprint], host.GetProperty("pinnedKeys").EnumerateArray().Select(key => key.GetString()));
    }

    [Fact]
    public async Task Confirm_TrustedHost_Returns409()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        var keyFile = CreateKeyFile(factory);
        await client.PostAsJsonAsync("/api/hosts", new { name = "web-4", address = "127.0.0.1", port = 2, privateKeyFile = keyFile, hostKeyFingerprints = new[] { Fingerprint } });

        var response = await client.PostAsJsonAsync("/api/hosts/web-4/confirm", new { fingerprint = OtherFingerprint });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var host = await client.GetFromJsonAsync<JsonElement>("/api/hosts/web-4");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal($"web-4 is already trusted and its key {Fingerprint} is pinned, so there is nothing to confirm.", problem.GetProperty("detail").GetString());
        Assert.Equal(Fingerprint, host.GetProperty("pinnedKeys")[0].GetString());
    }

    [Fact]
    public async Task Confirm_UnpinnedHostAgain_Returns409NoKeyPinned()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);
        await factory.Services.GetRequiredService<HostRegistry>().AddDiscoveredAsync(["edge-3"], HostSource.Journal);
        await client.PostAsJsonAsync("/api/hosts/edge-3/confirm", new { });

        var response = await client.PostAsJsonAsync("/api/hosts/edge-3/confirm", new { });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var detail = problem.GetProperty("detail").GetString();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("edge-3 is already trusted and has no pinned key yet, because it has not presented one.", detail, StringComparison.Ordinal);
        Assert.Contains("is rejected, because Macha:Hosts:TrustOnFirstUse is off", detail, StringComparison.Ordinal);
        Assert.Contains("a new address, port, user or privateKeyFile", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("accepted", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_UnvisitedHost_CorrectsConnectionAndShell()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);
        var keyFile = CreateKeyFile(factory);
        var registry = factory.Services.GetRequiredService<HostRegistry>();
        await registry.AddDiscoveredAsync(["edge-23"], HostSource.Journal);
        await client.PostAsJsonAsync("/api/hosts/edge-23/confirm", new { });
        var shellBefore = registry.FindShell("edge-23");

        var response = await client.PostAsJsonAsync("/api/hosts/edge-23/confirm", new
        {
            fingerprint = Fingerprint,
            address = "127.0.0.2",
            port = 2,
            user = "deploy",
            privateKeyFile = keyFile,
        });
        var confirmed = await response.Content.ReadFromJsonAsync<JsonElement>();
        var shellAfter = registry.FindShell("edge-23");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("127.0.0.2", confirmed.GetProperty("address").GetString());
        Assert.Equal(2, confirmed.GetProperty("port").GetInt32());
        Assert.Equal("deploy", confirmed.GetProperty("user").GetString());
        Assert.Equal(keyFile, confirmed.GetProperty("privateKeyFile").GetString());
        Assert.Equal("Pinned", confirmed.GetProperty("trustState").GetString());
        Assert.Equal("edge-23", shellBefore!.Host.Address);
        Assert.NotSame(shellBefore, shellAfter);
        Assert.Equal("127.0.0.2", shellAfter!.Host.Address);
        Assert.Equal(2, shellAfter.Host.Port);
        Assert.Equal("deploy", shellAfter.Host.User);
    }

    [Fact]
    public async Task Confirm_NewAddress_OldShellCannotPinKey()
    {
        await using var factory = new MachaWebFactory().WithSetting("Macha:Hosts:TrustOnFirstUse", "true");
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);
        var registry = factory.Services.GetRequiredService<HostRegistry>();
        await registry.AddDiscoveredAsync(["edge-27"], HostSource.Journal);
        await client.PostAsJsonAsync("/api/hosts/edge-27/confirm", new { });
        // The shell's own key store, as a handshake still in flight on the old shell would use it.
        var oldKeys = registry.FindShell("edge-27")!.KeyStore;
        var offer = new HostKeyOffer("ssh-ed25519", Fingerprint);
        var verdictBefore = oldKeys.Evaluate("edge-27", offer);

        var response = await client.PostAsJsonAsync("/api/hosts/edge-27/confirm", new { address = "127.0.0.2" });
        var verdictAfter = oldKeys.Evaluate("edge-27", offer);
        await oldKeys.RecordAsync("edge-27", offer, HostKeyVerdict.FirstUse);
        var newVerdict = registry.FindShell("edge-27")!.KeyStore.Evaluate("edge-27", offer);
        var host = registry.Find("edge-27")!;

        Assert.Equal(HostKeyVerdict.FirstUse, verdictBefore);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HostKeyVerdict.NotPinned, verdictAfter);
        Assert.Empty(HostTrust.PinnedKeys(host));
        Assert.Null(host.PresentedKey);
        Assert.Equal(HostKeyVerdict.FirstUse, newVerdict);
    }

    [Fact]
    public async Task Confirm_UnvisitedConfiguredHost_RejectsAddress()
    {
        await using var factory = new MachaWebFactory();
        var keyFile = CreateKeyFile(factory);
        factory.WithSetting("Macha:Hosts:Remote:0:Name", "db-9")
            .WithSetting("Macha:Hosts:Remote:0:Address", "127.0.0.1")
            .WithSetting("Macha:Hosts:Remote:0:Port", "2")
            .WithSetting("Macha:Hosts:Remote:0:PrivateKeyFile", keyFile);
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);

        var response = await client.PostAsJsonAsync("/api/hosts/db-9/confirm", new { address = "127.0.0.3" });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var host = await client.GetFromJsonAsync<JsonElement>("/api/hosts/db-9");

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("db-9 is already trusted and has no pinned key yet", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("new address", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", host.GetProperty("address").GetString());
    }

    [Fact]
    public async Task Confirm_AddressWithNewline_Returns400LikeAdd()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);
        var keyFile = CreateKeyFile(factory);
        await factory.Services.GetRequiredService<HostRegistry>().AddDiscoveredAsync(["edge-24"], HostSource.Journal);

        var confirm = await client.PostAsJsonAsync("/api/hosts/edge-24/confirm", new { address = "127.0.0.1\n" });
        var add = await client.PostAsJsonAsync("/api/hosts", new { name = "web-31", address = "127.0.0.1\n", privateKeyFile = keyFile });
        var confirmProblem = await confirm.Content.ReadFromJsonAsync<JsonElement>();
        var addProblem = await add.Content.ReadFromJsonAsync<JsonElement>();
        var host = await client.GetFromJsonAsync<JsonElement>("/api/hosts/edge-24");

        Assert.Equal(HttpStatusCode.BadRequest, confirm.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, add.StatusCode);
        Assert.Contains("is not a host name", confirmProblem.GetProperty("errors").GetProperty("address")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("is not a host name", addProblem.GetProperty("errors").GetProperty("address")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal("Discovered", host.GetProperty("trustState").GetString());
        Assert.Equal("edge-24", host.GetProperty("address").GetString());
    }

    [Fact]
    public async Task AddAndConfirm_PortAsString_ReadAlike()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);
        var keyFile = CreateKeyFile(factory);
        await factory.Services.GetRequiredService<HostRegistry>().AddDiscoveredAsync(["edge-25", "edge-26"], HostSource.Journal);

        using var addBody = JsonContent("{\"name\": \"web-32\", \"address\": \"127.0.0.1\", \"port\": \"2\", \"privateKeyFile\": \"" + keyFile + "\"}");
        var add = await client.PostAsync(new Uri("/api/hosts", UriKind.Relative), addBody);
        using var confirmBody = JsonContent("{\"port\": \"2\"}");
        var confirm = await client.PostAsync(new Uri("/api/hosts/edge-25/confirm", UriKind.Relative), confirmBody);
        using var badAddBody = JsonContent("{\"name\": \"web-33\", \"address\": \"127.0.0.1\", \"port\": \"abc\", \"privateKeyFile\": \"" + keyFile + "\"}");
        var badAdd = await client.PostAsync(new Uri("/api/hosts", UriKind.Relative), badAddBody);
        using var badConfirmBody = JsonContent("{\"port\": \"abc\"}");
        var badConfirm = await client.PostAsync(new Uri("/api/hosts/edge-26/confirm", UriKind.Relative), badConfirmBody);
        var rejected = await client.GetFromJsonAsync<JsonElement>("/api/hosts/edge-26");

        Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        Assert.Equal(2, (await add.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("port").GetInt32());
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        Assert.Equal(2, (await confirm.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("port").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, badAdd.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badConfirm.StatusCode);
        Assert.Null(factory.Services.GetRequiredService<HostRegistry>().Find("web-33"));
        Assert.Equal("Discovered", rejected.GetProperty("trustState").GetString());
    }

    [Fact]
    public async Task Confirm_InvalidFingerprint_Returns400()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();
        await WaitForFirstCycleAsync(client);
        await factory.Services.GetRequiredService<HostRegistry>().AddDiscoveredAsync(["edge-8"], HostSource.Flake);

        var response = await client.PostAsJsonAsync("/api/hosts/edge-8/confirm", new { fingerprint = "SHA256:short" });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var host = await client.GetFromJsonAsync<JsonElement>("/api/hosts/edge-8");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("SHA256:short", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Discovered", host.GetProperty("trustState").GetString());
    }

    [Fact]
    public async Task Confirm_UnknownHost_Returns404()
    {
        await using var factory = new MachaWebFactory();
        using var client = factory.CreateClient();

        var response = await client.PostAsync(new Uri("/api/hosts/nowhere/confirm", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/hosts")]
    [InlineData("/api/hosts/edge-9/confirm")]
    public async Task Mutations_ReadToken_Return403AndChangeNothing(string path)
    {
        await using var factory = new SecuredWebFactory();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.ReadToken.Token);
        var registry = factory.Services.GetRequiredService<HostRegistry>();
        await registry.AddDiscoveredAsync(["edge-9"], HostSource.Journal);

        var response = await client.PostAsJsonAsync(path, new { name = "web-5", address = "127.0.0.1", privateKeyFile = "/etc/hostname" });
        var listed = await client.GetFromJsonAsync<JsonElement>("/api/hosts");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(listed.EnumerateArray(), h => h.GetProperty("name").GetString() == "web-5");
        Assert.False(registry.Find("edge-9")!.Trusted);
    }

    private static StringContent JsonContent(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static string CreateKeyFile(MachaWebFactory factory)
    {
        var path = Path.Combine(factory.DataDirectory, "id_ed25519");
        File.WriteAllText(path, "not read by this test");
        return path;
    }

    // The start-up cycle reads the host list when it begins. Once it has finished, no cycle visits a
    // host that a test confirms, so a discovered name is never looked up in DNS.
    private static async Task WaitForFirstCycleAsync(HttpClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            var cycles = await client.GetFromJsonAsync<JsonElement>("/api/cycles", timeout.Token);
            if (cycles.EnumerateArray().Any(c => c.GetProperty("state").GetString() is "Completed" or "Failed"))
            {
                return;
            }

            await Task.Delay(200, timeout.Token);
        }
    }
}
