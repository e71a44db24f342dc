using System.Buffers.Binary;
using System.Security.Cryptography;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// Ephemeral ports for active opens by RFC 6056 §3.3.4, Algorithm 4 (double-hash port selection, what
/// Linux does): port = min + (F(local, remote, secret₁) + table[G(local, remote, secret₂)]) mod range,
/// and the table entry then advances. Successive connections to one peer walk the range from a point
/// only that peer's tuple determines, so an off-path attacker cannot guess the next port from any other
/// connection, and a port freed for one peer is not reused for it soon; the first port tried is almost
/// always free, so choosing one costs a hash and a table lookup.
/// </summary>
internal sealed class TcpEphemeralPorts
{
    /// <summary>First port of the ephemeral range (IANA dynamic ports, RFC 6335 §6).</summary>
    public const ushort First = 49152;

    /// <summary>Last port of the ephemeral range.</summary>
    public const ushort Last = 65535;

    /// <summary>Ports in the range.</summary>
    public const int Count = Last - First + 1;

    /// <summary>
    /// Entries of the perturbation table. RFC 6056 §3.3.4 leaves its length open and notes that a longer
    /// table separates more peers; 256 counters of 16 bits are half a kilobyte per interface.
    /// </summary>
    private const int TableLength = 256;

    private readonly SipHash _offset;
    private readonly SipHash _index;
    private readonly ushort[] _table = new ushort[TableLength];

    /// <summary>Keys both hashes from <paramref name="random"/> (tests: deterministic) or, when null, the system's generator.</summary>
    public TcpEphemeralPorts(Random? random)
    {
        Span<byte> keys = stackalloc byte[2 * SipHash.KeyLength];
        if (random is null)
        {
            RandomNumberGenerator.Fill(keys);
        }
        else
        {
            random.NextBytes(keys);
        }
        _offset = new SipHash(keys[..SipHash.KeyLength]);
        _index = new SipHash(keys[SipHash.KeyLength..]);
    }

    /// <summary>
    /// The first port of the range, in Algorithm 4's order, for which <paramref name="isFree"/> says yes;
    /// null when none is.
    /// </summary>
    public ushort? Select<TState>(Ipv4Address local, Ipv4Endpoint remote, TState state, Func<TState, ushort, bool> isFree)
    {
        Span<byte> tuple = stackalloc byte[10];
        local.WriteTo(tuple);
        remote.Address.WriteTo(tuple[4..]);
        BinaryPrimitives.WriteUInt16BigEndian(tuple[8..], remote.Port);
        uint offset = (uint)_offset.Hash(tuple);
        int index = (int)(_index.Hash(tuple) % TableLength);
        for (int tried = 0; tried < Count; tried++)
        {
            ushort port = (ushort)(First + ((offset + _table[index]) % Count));
            _table[index]++;
            if (isFree(state, port))
            {
                return port;
            }
        }
        return null;
    }
}
