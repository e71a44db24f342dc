using Usrnet.Iface;
using Usrnet.Wire;

namespace Usrnet.Async;

public sealed partial class NetworkStack
{
    /// <summary>
    /// A copy of the interface's counters, taken between two polls: the frames, bytes and drops so far.
    /// Each read makes a new copy; compare two copies to see what changed.
    /// </summary>
    public InterfaceCounters Counters => Inspect(iface => iface.Counters.Snapshot());

    /// <summary>The interface's default gateway (configured, or from the DHCP lease), or null.</summary>
    public Ipv4Address? Gateway => Inspect(iface => iface.Gateway);
}
