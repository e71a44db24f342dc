using Usrnet.Wire;

namespace Usrnet.Sockets;

/// <summary>
/// A raw IPv4 socket for one protocol: receives whole IPv4 packets (header included, after
/// reassembly) addressed to the stack, and sends whole IPv4 packets the caller builds, like a Linux
/// raw socket with <c>IP_HDRINCL</c>. The interface routes them by destination and fragments them if
/// needed.
/// </summary>
public sealed class RawIpv4Socket : RawSocket
{
    private readonly SocketSet _set;

    internal RawIpv4Socket(SocketSet set, IpProtocol protocol, SocketBufferOptions buffers) : base(buffers)
    {
        _set = set;
        Protocol = protocol;
    }

    /// <summary>The protocol this socket receives.</summary>
    public IpProtocol Protocol { get; }

    private protected override int MinimumLength => Ipv4Packet.MinHeaderLength;

    private protected override void Leave() => _set.RawIpv4.Remove(this);
}
