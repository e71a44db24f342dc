using System.Buffers.Binary;
using System.Security.Cryptography;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// Initial sequence numbers per RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport,
/// secretkey), with M a timer ticking every 4 µs and F a keyed hash (SipHash-2-4, as Linux's, truncated
/// to 32 bits), so ISNs are unpredictable to an off-path attacker yet increase for one four-tuple.
/// </summary>
internal sealed class TcpInitialSequenceNumbers
{
    private readonly SipHash _hash;

    public TcpInitialSequenceNumbers(Random? random)
    {
        Span<byte> secret = stackalloc byte[SipHash.KeyLength];
        if (random is null)
        {
            RandomNumberGenerator.Fill(secret);
        }
        else
        {
            random.NextBytes(secret); // tests: deterministic
        }
        _hash = new SipHash(secret);
    }

    public TcpSeqNumber Next(Instant now, Ipv4Endpoint local, Ipv4Endpoint remote)
    {
        Span<byte> tuple = stackalloc byte[12];
        local.Address.WriteTo(tuple);
        BinaryPrimitives.WriteUInt16BigEndian(tuple[4..], local.Port);
        remote.Address.WriteTo(tuple[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(tuple[10..], remote.Port);
        uint m = unchecked((uint)(now.TotalMicroseconds / 4));
        return new TcpSeqNumber(unchecked(m + (uint)_hash.Hash(tuple)));
    }
}
