using System.Reflection;
using NetArchTest.Rules;
using Usrnet.Async;

namespace Usrnet.Tests.Architecture;

/// <summary>
/// The arrows of the layers (docs/articles/design.md §2) in the compiled library: a type of a layer
/// references nothing of a layer above it, in its signatures, fields or method bodies. NetArchTest reads
/// the references from the IL, so a local variable or a call counts as much as a parameter.
/// </summary>
public sealed class LayerTests
{
    private const string Wire = "Usrnet.Wire";
    private const string Storage = "Usrnet.Storage";
    private const string Phy = "Usrnet.Phy";
    private const string Iface = "Usrnet.Iface";
    private const string Sockets = "Usrnet.Sockets";
    private const string Tcp = "Usrnet.Sockets.Tcp";
    private const string Hosting = "Usrnet.Hosting";
    private const string Async = "Usrnet.Async";

    private static readonly Assembly Library = typeof(NetworkStack).Assembly;

    /// <summary>The Phy types the sockets may not use: the devices themselves.</summary>
    private static readonly string[] Devices =
    [
        "Usrnet.Phy.IDevice", "Usrnet.Phy.TapDevice", "Usrnet.Phy.MemoryLink", "Usrnet.Phy.MemoryLinkEnd",
        "Usrnet.Phy.LoopbackDevice", "Usrnet.Phy.FaultInjectorDevice", "Usrnet.Phy.PcapWriterDevice",
    ];

    [Fact]
    public void WireDependsOnNoOtherLayer() =>
        AssertNoDependency(InNamespace(Wire), Storage, Phy, Iface, Sockets, Hosting, Async);

    [Fact]
    public void StorageKnowsNoProtocol() =>
        AssertNoDependency(InNamespace(Storage), Wire, Phy, Iface, Sockets, Hosting, Async);

    [Fact]
    public void PhyKnowsNothingAboveTheDevice() =>
        AssertNoDependency(InNamespace(Phy), Iface, Sockets, Hosting, Async);

    [Fact]
    public void IfaceKnowsNeitherTheRunnerNorTheAsyncFacade() =>
        AssertNoDependency(InNamespace(Iface), Hosting, Async);

    [Fact]
    public void SocketsUseNeitherTheInterfaceNorTheFacadeNorADevice() =>
        AssertNoDependency(InNamespace(Sockets), [Iface, Hosting, Async, .. Devices]);

    [Fact]
    public void NothingBelowTheAsyncFacadeUsesIt() =>
        AssertNoDependency(Types.InAssembly(Library).That().DoNotResideInNamespace(Async), Async);

    [Fact]
    public void SocketsAndTcpDoNotDependOnEachOtherBothWays()
    {
        // One way is an arrow, both ways a cycle: the set creates TCP sockets, so TCP must reach nothing
        // of Usrnet.Sockets itself (ports, ISNs and cookies come to it rather than being asked for).
        // Type by type: the namespace as a prefix would match Usrnet.Sockets.Tcp itself.
        IReadOnlyList<string> down = FailingTypeNames(Types.InAssembly(Library).That().ResideInNamespaceMatching(@"^Usrnet\.Sockets$"), Tcp);
        List<string> up = [];
        foreach (string socketsType in Library.GetTypes().Where(t => t.Namespace == Sockets && !t.IsNested).Select(t => t.FullName!))
        {
            up.AddRange(FailingTypeNames(InNamespace(Tcp), socketsType).Select(tcpType => $"{tcpType} -> {socketsType}"));
        }
        Assert.True(down.Count == 0 || up.Count == 0,
            $"{Sockets} and {Tcp} depend on each other.\n{Sockets} -> {Tcp}:\n  {string.Join("\n  ", down)}\n" +
            $"{Tcp} -> {Sockets}:\n  {string.Join("\n  ", up)}");
    }

    /// <summary>The types of <paramref name="ns"/> and of the namespaces under it.</summary>
    private static PredicateList InNamespace(string ns) => Types.InAssembly(Library).That().ResideInNamespace(ns);

    /// <summary>The types of <paramref name="types"/> that reference any of <paramref name="forbidden"/> (full names or namespaces).</summary>
    private static IReadOnlyList<string> FailingTypeNames(PredicateList types, params string[] forbidden) =>
        types.ShouldNot().HaveDependencyOnAny(forbidden).GetResult().FailingTypeNames?.ToList() ?? [];

    private static void AssertNoDependency(PredicateList types, params string[] forbidden)
    {
        IReadOnlyList<string> failing = FailingTypeNames(types, forbidden);
        Assert.True(failing.Count == 0, $"these types reference {string.Join(", ", forbidden)}:\n  {string.Join("\n  ", failing)}");
    }
}
