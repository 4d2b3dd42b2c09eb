using Bunit;
using Macha.Core.Cycle;
using Macha.Core.Hosts;
using Macha.Web.Security;
using HostsPage = Macha.Web.Components.Pages.Hosts;

namespace Macha.Tests.Components;

/// <summary>
/// The /hosts page on Macha's real host registry and SQLite. Hosts point at 127.0.0.1 and are
/// never visited, because no cycle runs in these tests.
/// </summary>
public sealed class HostsPageTests : DashboardPageContext
{
    private const string ConfiguredKey = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
    private const string PresentedKey = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";

    private readonly string _keyDirectory = Directory.CreateTempSubdirectory("macha-hosts-page-").FullName;
    private Bunit.TestDoubles.BunitAuthorizationContext _access = default!;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Macha:LocalHostName"] = "control",
        ["Macha:Hosts:Remote:0:Name"] = "db-1",
        ["Macha:Hosts:Remote:0:Address"] = "127.0.0.1",
        ["Macha:Hosts:Remote:0:Port"] = "2",
        ["Macha:Hosts:Remote:0:PrivateKeyFile"] = "/etc/macha/id_ed25519",
        ["Macha:Hosts:Remote:0:HostKeyFingerprints:0"] = ConfiguredKey,
    };

    private HostRegistry Registry => Harness.Get<HostRegistry>();

    // OperatorAccess asks the authorization service for the operate policy, which the fake grants by policy name.
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _access = AddAuthorization();
        _access.SetAuthorized("alice");
        _access.SetPolicies(MachaPolicies.Read, MachaPolicies.Operate);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_keyDirectory, recursive: true);
    }

    [Fact]
    public async Task Render_Hosts_ShowsStatusTrustAndKeys()
    {
        await Registry.AddDiscoveredAsync(["edge-1"], HostSource.Journal);

        var page = Render<HostsPage>();

        Assert.Equal(["control", "db-1", "edge-1"], page.FindAll("[data-test=hosts] tbody tr").Select(row => row.GetAttribute("data-test")!["host-".Length..]).ToArray());
        Assert.Contains("this machine", page.Find("[data-test=trust-control]").TextContent, StringComparison.Ordinal);
        Assert.Contains("trusted, key pinned", page.Find("[data-test=trust-db-1]").TextContent, StringComparison.Ordinal);
        Assert.Contains(ConfiguredKey, page.Find("[data-test=key-db-1]").TextContent, StringComparison.Ordinal);
        Assert.Contains("never", page.Find("[data-test=contact-db-1]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Unknown", page.Find("[data-test=status-db-1]").TextContent, StringComparison.Ordinal);
        Assert.Contains("discovered, not trusted", page.Find("[data-test=trust-edge-1]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-test=confirm-edge-1]"));
        Assert.Empty(page.FindAll("[data-test=confirm-db-1]"));
        Assert.Empty(page.FindAll("[data-test=confirm-control]"));
        Assert.Equal("/hosts/db-1", page.Find("[data-test=host-db-1] a").GetAttribute("href"));
    }

    [Fact]
    public async Task Confirm_DiscoveredHost_TrustsAndPinsKey()
    {
        await Registry.AddDiscoveredAsync(["edge-2"], HostSource.Flake);
        var page = Render<HostsPage>();

        page.Find("[data-test=confirm-fingerprint-edge-2]").Change(PresentedKey);
        page.Find("[data-test=confirm-form-edge-2]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=message]"));
        var record = Registry.Find("edge-2")!;
        Assert.True(record.Trusted);
        Assert.Equal([PresentedKey], HostTrust.PinnedKeys(record));
        Assert.Equal("alice", record.ConfirmedBy);
        Assert.Contains("Confirmed edge-2", page.Find("[data-test=message]").TextContent, StringComparison.Ordinal);
        Assert.Contains("trusted, key pinned", page.Find("[data-test=trust-edge-2]").TextContent, StringComparison.Ordinal);
        Assert.Empty(page.FindAll("[data-test=confirm-edge-2]"));
    }

    [Fact]
    public async Task Confirm_DiscoveredHostWithConnection_SetsEveryField()
    {
        var keyFile = CreateKeyFile();
        await Registry.AddDiscoveredAsync(["edge-4"], HostSource.Journal);
        var page = Render<HostsPage>();
        Assert.Contains("now edge-4", page.Find("[data-test=confirm-address-edge-4]").GetAttribute("placeholder"), StringComparison.Ordinal);

        page.Find("[data-test=confirm-fingerprint-edge-4]").Change(PresentedKey);
        page.Find("[data-test=confirm-address-edge-4]").Change("127.0.0.1");
        page.Find("[data-test=confirm-port-edge-4]").Change("2");
        page.Find("[data-test=confirm-user-edge-4]").Change("deploy");
        page.Find("[data-test=confirm-key-file-edge-4]").Change(keyFile);
        page.Find("[data-test=confirm-form-edge-4]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=message]"));
        var record = Registry.Find("edge-4")!;
        Assert.True(record.Trusted);
        Assert.Equal(("127.0.0.1", 2, "deploy", keyFile), (record.Address, record.Port, record.User, record.PrivateKeyFile));
        Assert.Equal([PresentedKey], HostTrust.PinnedKeys(record));
        Assert.Contains("Confirmed edge-4 at deploy@127.0.0.1:2", page.Find("[data-test=message]").TextContent, StringComparison.Ordinal);
        Assert.Contains("deploy@127.0.0.1:2", page.Find("[data-test=host-edge-4]").TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("confirm-port-edge-5", "twenty-two", "'twenty-two' is not a whole number")]
    [InlineData("confirm-port-edge-5", "70000", "between 1 and 65535")]
    [InlineData("confirm-address-edge-5", "0.0.0.0", "'0.0.0.0' is not a host name")]
    [InlineData("confirm-user-edge-5", "Deploy User", "not a valid login name")]
    [InlineData("confirm-key-file-edge-5", "relative/key", "absolute path")]
    [InlineData("confirm-key-file-edge-5", "/nonexistent/key", "does not exist")]
    public async Task Confirm_InvalidConnectionField_ShowsErrorAndKeepsTheForm(string input, string value, string message)
    {
        await Registry.AddDiscoveredAsync(["edge-5"], HostSource.Flake);
        var page = Render<HostsPage>();

        page.Find($"[data-test={input}]").Change(value);
        page.Find("[data-test=confirm-form-edge-5]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=confirm-error]"));
        Assert.Contains(message, page.Find("[data-test=confirm-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal(value, page.Find($"[data-test={input}]").GetAttribute("value"));
        var record = Registry.Find("edge-5")!;
        Assert.False(record.Trusted);
        Assert.Equal(("edge-5", 22), (record.Address, record.Port));
    }

    [Fact]
    public async Task Confirm_ChangedKey_OffersNoConnectionFields()
    {
        var added = await Registry.AddAsync(Definition("web-2", [ConfiguredKey]), "alice");
        Assert.Equal(HostChangeStatus.Succeeded, added.Status);
        await ((IHostKeyStore)Registry).RecordAsync("web-2", new HostKeyOffer("ssh-ed25519", PresentedKey), HostKeyVerdict.Mismatch);

        var page = Render<HostsPage>();

        Assert.NotNull(page.Find("[data-test=confirm-fingerprint-web-2]"));
        Assert.Empty(page.FindAll("[data-test=confirm-address-web-2]"));
        Assert.Empty(page.FindAll("[data-test=confirm-key-file-web-2]"));
    }

    [Fact]
    public async Task Confirm_UnvisitedTrustedHost_CorrectsConnection()
    {
        var added = await Registry.AddAsync(Definition("web-3", []), "alice");
        Assert.Equal(HostChangeStatus.Succeeded, added.Status);
        var page = Render<HostsPage>();
        Assert.Contains("optional", page.Find("[data-test=confirm-fingerprint-web-3]").GetAttribute("placeholder"), StringComparison.Ordinal);

        page.Find("[data-test=confirm-address-web-3]").Change("localhost");
        page.Find("[data-test=confirm-port-web-3]").Change("2222");
        page.Find("[data-test=confirm-user-web-3]").Change("ops");
        page.Find("[data-test=confirm-form-web-3]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=message]"));
        var record = Registry.Find("web-3")!;
        Assert.Equal(("localhost", 2222, "ops"), (record.Address, record.Port, record.User));
        Assert.Empty(HostTrust.PinnedKeys(record));
        Assert.Contains("Confirmed web-3 at ops@localhost:2222", page.Find("[data-test=message]").TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-test=confirm-address-web-3]"));
    }

    [Fact]
    public async Task Render_UnpinnedHosts_OffersWhatTheApiAccepts()
    {
        await Registry.AddAsync(Definition("web-6", []), "alice");
        await Registry.AddAsync(Definition("web-7", []), "alice");
        await Registry.AddAsync(Definition("web-8", []), "alice");
        await Registry.RecordCheckAsync(Rejected("web-7", HostFailure.HostKeyNotPinned), Registry.FindHost("web-7")!);
        await Registry.RecordCheckAsync(Rejected("web-8", HostFailure.AuthenticationFailed), Registry.FindHost("web-8")!);

        var page = Render<HostsPage>();

        // A host not visited yet takes a fingerprint and connection settings.
        Assert.NotNull(page.Find("[data-test=confirm-fingerprint-web-6]"));
        Assert.NotNull(page.Find("[data-test=confirm-address-web-6]"));
        Assert.NotNull(page.Find("[data-test=confirm-key-file-web-6]"));

        // A key rejected for lack of a pin came from the current address, so only that key is confirmed.
        Assert.NotNull(page.Find("[data-test=confirm-fingerprint-web-7]"));
        Assert.Empty(page.FindAll("[data-test=confirm-address-web-7]"));

        // A host that presented a key and failed for another reason has nothing to confirm, as in the API.
        Assert.Empty(page.FindAll("[data-test=confirm-form-web-8]"));
        Assert.Equal(HostChangeStatus.Conflict, (await Registry.ConfirmAsync("web-8", new HostConfirmation(null, Address: "localhost"), "alice")).Status);
    }

    [Fact]
    public async Task Confirm_ReadOnlyUser_ChangesNothing()
    {
        SignInReadOnly();
        await Registry.AddDiscoveredAsync(["edge-3"], HostSource.Journal);
        var page = Render<HostsPage>();

        page.Find("[data-test=confirm-form-edge-3]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=confirm-error]"));
        Assert.False(Registry.Find("edge-3")!.Trusted);
        Assert.Contains("operate scope", page.Find("[data-test=confirm-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirm_ChangedKey_NeedsThePresentedFingerprint()
    {
        var added = await Registry.AddAsync(Definition("web-1", [ConfiguredKey]), "alice");
        Assert.Equal(HostChangeStatus.Succeeded, added.Status);
        await ((IHostKeyStore)Registry).RecordAsync("web-1", new HostKeyOffer("ssh-ed25519", PresentedKey), HostKeyVerdict.Mismatch);
        var page = Render<HostsPage>();
        Assert.Contains("key changed", page.Find("[data-test=trust-web-1]").TextContent, StringComparison.Ordinal);
        Assert.Contains(PresentedKey, page.Find("[data-test=presented-web-1]").TextContent, StringComparison.Ordinal);

        page.Find("[data-test=confirm-fingerprint-web-1]").Change(ConfiguredKey);
        page.Find("[data-test=confirm-form-web-1]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=confirm-error]"));
        Assert.Contains("ssh-keygen -lf", page.Find("[data-test=confirm-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal(ConfiguredKey, page.Find("[data-test=confirm-fingerprint-web-1]").GetAttribute("value"));
        Assert.Equal(HostStatus.HostKeyChanged, Registry.Find("web-1")!.Status);

        page.Find("[data-test=confirm-fingerprint-web-1]").Change(PresentedKey);
        page.Find("[data-test=confirm-form-web-1]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=message]"));
        Assert.Equal([PresentedKey], HostTrust.PinnedKeys(Registry.Find("web-1")!));
        Assert.Contains("trusted, key pinned", page.Find("[data-test=trust-web-1]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_ValidHost_AddsAndListsIt()
    {
        var keyFile = CreateKeyFile();
        var page = Render<HostsPage>();

        page.Find("[data-test=add-name]").Change("cache-1");
        page.Find("[data-test=add-address]").Change("127.0.0.1");
        page.Find("[data-test=add-port]").Change("2");
        page.Find("[data-test=add-user]").Change("deploy");
        page.Find("[data-test=add-key-file]").Change(keyFile);
        page.Find("[data-test=add-fingerprints]").Change($"{ConfiguredKey}, {PresentedKey}");
        page.Find("[data-test=add-tags]").Change("cache, eu");
        page.Find("[data-test=add-autonomy]").Change("Observe");
        page.Find("[data-test=add-form]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=message]"));
        var record = Registry.Find("cache-1")!;
        Assert.Equal(HostSource.Api, record.Source);
        Assert.Equal(("127.0.0.1", 2, "deploy", keyFile), (record.Address, record.Port, record.User, record.PrivateKeyFile));
        Assert.Equal([ConfiguredKey, PresentedKey], HostTrust.PinnedKeys(record));
        Assert.Equal(["cache", "eu"], HostTrust.Tags(record));
        Assert.Equal("Observe", record.AutonomyLevel);
        Assert.Equal("alice", record.ConfirmedBy);
        Assert.NotNull(page.Find("[data-test=host-cache-1]"));
        Assert.Contains("Added cache-1", page.Find("[data-test=message]").TextContent, StringComparison.Ordinal);
        Assert.Equal(string.Empty, page.Find("[data-test=add-name]").GetAttribute("value") ?? string.Empty);
    }

    [Fact]
    public void Add_InvalidFields_ShowsEachErrorAndKeepsTheForm()
    {
        var page = Render<HostsPage>();

        page.Find("[data-test=add-name]").Change("bad name");
        page.Find("[data-test=add-port]").Change("twenty-two");
        page.Find("[data-test=add-key-file]").Change("relative/key");
        page.Find("[data-test=add-fingerprints]").Change("MD5:aa:bb");
        page.Find("[data-test=add-form]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=add-error]"));
        var errors = page.Find("[data-test=add-error]").TextContent;
        Assert.Contains("not a valid host name", errors, StringComparison.Ordinal);
        Assert.Contains("'twenty-two' is not a whole number", errors, StringComparison.Ordinal);
        Assert.Contains("absolute path", errors, StringComparison.Ordinal);
        Assert.Contains("MD5:aa:bb", errors, StringComparison.Ordinal);
        Assert.Equal("bad name", page.Find("[data-test=add-name]").GetAttribute("value"));
        Assert.Null(Registry.Find("bad name"));
    }

    [Fact]
    public void Add_ConfiguredName_ShowsConflict()
    {
        var keyFile = CreateKeyFile();
        var page = Render<HostsPage>();

        page.Find("[data-test=add-name]").Change("db-1");
        page.Find("[data-test=add-address]").Change("127.0.0.1");
        page.Find("[data-test=add-key-file]").Change(keyFile);
        page.Find("[data-test=add-form]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=add-error]"));
        Assert.Contains("already exists", page.Find("[data-test=add-error]").TextContent, StringComparison.Ordinal);
        Assert.Equal(HostSource.Configuration, Registry.Find("db-1")!.Source);
    }

    [Fact]
    public void Add_ReadOnlyUser_AddsNothing()
    {
        SignInReadOnly();
        var keyFile = CreateKeyFile();
        var page = Render<HostsPage>();

        page.Find("[data-test=add-name]").Change("cache-2");
        page.Find("[data-test=add-address]").Change("127.0.0.1");
        page.Find("[data-test=add-key-file]").Change(keyFile);
        page.Find("[data-test=add-form]").Submit();

        page.WaitForAssertion(() => page.Find("[data-test=add-error]"));
        Assert.Null(Registry.Find("cache-2"));
        Assert.Contains("operate scope", page.Find("[data-test=add-error]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LiveEvent_HostFinished_ShowsNewStatus()
    {
        var page = Render<HostsPage>();
        Assert.Contains("Unknown", page.Find("[data-test=status-db-1]").TextContent, StringComparison.Ordinal);
        var snapshot = new Macha.Core.Monitoring.HostSnapshot
        {
            HostName = "db-1",
            TakenAt = Time.GetUtcNow(),
            Connection = new Macha.Core.Monitoring.HostConnectionSection(HostFailure.ConnectionRefused, "refused", null, null),
        };
        await Registry.RecordCheckAsync(snapshot, Registry.FindHost("db-1")!);

        // The page subscribes while it initializes, so an event published after the first render arrives.
        var events = Harness.Get<CycleEvents>();
        Assert.True(events.SubscriberCount > 0, "The page had not subscribed to cycle events when its first render finished.");
        events.Publish(new HostFinished(Guid.NewGuid(), Time.GetUtcNow(), "db-1", 0, []));

        page.WaitForAssertion(() => Assert.Contains("ConnectionRefused", page.Find("[data-test=status-db-1]").TextContent, StringComparison.Ordinal));
        Assert.Contains("Offline", page.Find("[data-test=status-db-1]").TextContent, StringComparison.Ordinal);
    }

    private void SignInReadOnly()
    {
        _access.SetAuthorized("bob");
        _access.SetPolicies(MachaPolicies.Read);
    }

    [Fact]
    public async Task RecordCheck_ConfirmedKeyMismatch_NotBlocked()
    {
        await Registry.AddAsync(Definition("web-9", [PresentedKey]), "alice");

        // The check saw the key rejected, and a person confirmed that key before the check was stored.
        await Registry.RecordCheckAsync(Rejected("web-9", HostFailure.HostKeyMismatch), Registry.FindHost("web-9")!);

        var record = Registry.Find("web-9")!;
        Assert.NotEqual(HostStatus.HostKeyChanged, record.Status);
        Assert.False(HostTrust.NeedsConfirmation(record));
    }

    private Macha.Core.Monitoring.HostSnapshot Rejected(string hostName, HostFailure failure) => new()
    {
        HostName = hostName,
        TakenAt = Time.GetUtcNow(),
        Connection = new Macha.Core.Monitoring.HostConnectionSection(failure, "rejected", "ssh-ed25519", PresentedKey),
    };

    private HostDefinition Definition(string name, IReadOnlyList<string> fingerprints) =>
        new(name, "127.0.0.1", 2, "deploy", CreateKeyFile(), fingerprints, [], null);

    private string CreateKeyFile()
    {
        var path = Path.Combine(_keyDirectory, "id_ed25519");
        File.WriteAllText(path, "not read by this test");
        return path;
    }

    [Theory]
    [InlineData("Debian GNU/Linux 12 (bookworm)", "12", "Debian GNU/Linux 12 (bookworm)")]
    [InlineData("NixOS", "24.11", "NixOS 24.11")]
    [InlineData("Arch Linux", null, "Arch Linux")]
    public void DescribeOs_NameAndVersion_ShowsVersionOnce(string name, string? version, string expected)
    {
        var host = new HostRecord { Name = "web-1", OsName = name, OsVersion = version };

        Assert.Equal(expected, HostsPage.DescribeOs(host));
    }
}
