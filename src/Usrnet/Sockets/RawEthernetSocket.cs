using Usrnet.Wire;

namespace Usrnet.Sockets;

/// <summary>
/// A raw Ethernet socket for one EtherType: receives whole frames of that type and sends whole frames
/// the caller builds (how <c>arping</c> speaks ARP itself), like a Linux <c>AF_PACKET</c> socket.
/// </summary>
public sealed class RawEthernetSocket : RawSocket
{
    private readonly SocketSet _set;

    internal RawEthernetSocket(SocketSet set, EtherType etherType, SocketBufferOptions buffers) : base(buffers)
    {
        _set = set;
        EtherType = etherType;
    }

    /// <summary>The EtherType this socket receives.</summary>
    public EtherType EtherType { get; }

    private protected override int MinimumLength => EthernetFrame.HeaderLength;

    private protected override void Leave() => _set.RawEthernet.Remove(this);
}
