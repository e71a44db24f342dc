using Usrnet.Phy;

namespace Usrnet.Tests.NetSim;

/// <summary>
/// Two devices joined by a <see cref="SimulatedPath"/> each way: what end A transmits comes out of end B
/// when the path <see cref="SimulatedPath.AToB"/> releases it, and the other way round.
/// </summary>
/// <remarks>
/// The ends report no offloads, so the stacks send wire frames and the bottleneck and the loss act on
/// what a real link would carry. They read no clock and never block: a driver in virtual time asks
/// <see cref="IDevice.PollAt"/> for the next release and jumps there.
/// </remarks>
internal sealed class SimulatedLink
{
    /// <summary>Creates the link; the caller owns the ends and disposes them (each disposes the path into it).</summary>
    public SimulatedLink(PathOptions aToB, PathOptions bToA, int mtu = 1500)
    {
        AToB = new SimulatedPath(aToB);
        BToA = new SimulatedPath(bToA);
        DeviceCapabilities capabilities = new() { Mtu = mtu };
        A = new End(inbound: BToA, outbound: AToB, capabilities);
        B = new End(inbound: AToB, outbound: BToA, capabilities);
    }

    /// <summary>The path of frames end A transmits.</summary>
    public SimulatedPath AToB { get; }

    /// <summary>The path of frames end B transmits.</summary>
    public SimulatedPath BToA { get; }

    /// <summary>One end.</summary>
    public IDevice A { get; }

    /// <summary>The other end.</summary>
    public IDevice B { get; }

    /// <summary>The earliest instant a frame comes out of either path, or null when both are empty.</summary>
    public Instant? NextRelease => Instant.Min(AToB.NextRelease, BToA.NextRelease);

    private sealed class End(SimulatedPath inbound, SimulatedPath outbound, DeviceCapabilities capabilities) : IDevice
    {
        public DeviceCapabilities Capabilities => capabilities;

        public PacketBuffer? Receive(Instant now) => inbound.Receive(now);

        /// <summary>Always true: a frame the bottleneck drops is lost unseen, as on a real path.</summary>
        public bool Transmit(Instant now, PacketBuffer frame)
        {
            outbound.Send(now, frame);
            return true;
        }

        public Instant? PollAt(Instant now) => inbound.NextRelease;

        /// <summary>Returns at once: in virtual time nothing arrives while the driver waits.</summary>
        public void Wait(TimeSpan? timeout)
        {
        }

        public void Wake()
        {
        }

        public void Dispose() => inbound.Dispose();
    }
}
