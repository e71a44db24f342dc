using Usrnet.Wire;

namespace Usrnet.Sockets;

/// <summary>What travels with a queued datagram: the peer and, outbound, the TTL to send with; inbound, the TTL it arrived with.</summary>
/// <param name="Remote">The peer: destination when sending, source when received.</param>
/// <param name="TimeToLive">IPv4 TTL.</param>
internal readonly record struct DatagramMetadata(Ipv4Endpoint Remote, byte TimeToLive);
