using Usrnet.Phy;

namespace Usrnet.Iface;

/// <summary>What a neighbour table that parks frames while it resolves asks of its owner, for either family.</summary>
internal interface IParkedFrameHost
{
    /// <summary>
    /// The oldest parked frame, pushed out by a newer one while the neighbour still resolves: drop it without
    /// telling its sender, whose neighbour may yet answer (its transport retransmits). Takes ownership.
    /// </summary>
    void ParkedFrameDropped(PacketBuffer frame);
}
