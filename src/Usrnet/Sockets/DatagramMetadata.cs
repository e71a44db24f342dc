using Usrnet.Wire;

namespace Usrnet.Sockets;

/// <summary>What travels with a queued datagram: the peer and, outbound, the TTL to send with; inbound, the TTL it arrived with.</summary>
/// <param name="Remote">The peer: destination when sending, source when received.</param>
/// <param name="TimeToLive">IPv4 TTL.</param>
/// <param name="Source">
/// Outbound only: the IPv4 source address to write as given, 0.0.0.0 included; null lets the
/// interface choose (the socket's bound address, else its own).
/// </param>
internal readonly record struct DatagramMetadata(Ipv4Endpoint Remote, byte TimeToLive, Ipv4Address? Source = null);
