using System.Buffers.Binary;
using System.Security.Cryptography;
using Usrnet.Wire;

namespace Usrnet.Sockets.Tcp;

/// <summary>
/// SYN cookies (RFC 4987 §3.6): when a listener's half-open queue is full, the SYN-ACK's initial
/// sequence number carries the connection's state instead of the queue: a 5-bit counter of 64-second
/// periods, a 3-bit index into a table of MSS values, and a 24-bit keyed hash (SipHash-2-4, as
/// Linux's) of both with the four-tuple. The final ACK brings it back (ACK − 1), and a valid one opens the connection.
/// </summary>
/// <remarks>
/// As RFC 4987 notes, what the SYN's other options asked for (window scaling, SACK, timestamps) is not
/// kept: a connection opened by cookie runs without them.
/// </remarks>
internal sealed class TcpSynCookies
{
    /// <summary>MSS values a cookie can name; the largest not above the peer's is used.</summary>
    private static readonly ushort[] s_mssTable = [536, 1220, 1360, 1400, 1440, 1460, 4312, 8960];

    private const long PeriodMicroseconds = 64_000_000;
    private readonly SipHash _hash;

    public TcpSynCookies(Random? random)
    {
        Span<byte> secret = stackalloc byte[SipHash.KeyLength];
        if (random is null)
        {
            RandomNumberGenerator.Fill(secret);
        }
        else
        {
            random.NextBytes(secret);
        }
        _hash = new SipHash(secret);
    }

    /// <summary>The cookie for a SYN: our ISN.</summary>
    public TcpSeqNumber Create(Instant now, Ipv4Endpoint local, Ipv4Endpoint remote, TcpSeqNumber synSequence, int peerMss)
    {
        uint period = Period(now);
        int index = 0;
        for (int i = s_mssTable.Length - 1; i >= 0; i--)
        {
            if (s_mssTable[i] <= peerMss)
            {
                index = i;
                break;
            }
        }
        uint mac = Hash(period, index, local, remote, synSequence);
        return new TcpSeqNumber(((period & 0x1F) << 27) | ((uint)index << 24) | (mac & 0xFF_FFFF));
    }

    /// <summary>Checks the cookie an ACK returns; on success gives the MSS it encoded.</summary>
    public bool TryValidate(Instant now, Ipv4Endpoint local, Ipv4Endpoint remote, TcpSeqNumber cookie, TcpSeqNumber synSequence, out int mss)
    {
        mss = 0;
        uint value = cookie.Value;
        uint period = value >> 27;
        int index = (int)((value >> 24) & 0x7);
        uint current = Period(now);
        // Valid for the period it was made in and the one after (64 to 128 s), like Linux.
        bool recent = period == (current & 0x1F) || period == ((current - 1) & 0x1F);
        if (!recent)
        {
            return false;
        }
        uint fullPeriod = period == (current & 0x1F) ? current : current - 1;
        if ((Hash(fullPeriod, index, local, remote, synSequence) & 0xFF_FFFF) != (value & 0xFF_FFFF))
        {
            return false;
        }
        mss = s_mssTable[index];
        return true;
    }

    private static uint Period(Instant now) => (uint)(now.TotalMicroseconds / PeriodMicroseconds);

    private uint Hash(uint period, int index, Ipv4Endpoint local, Ipv4Endpoint remote, TcpSeqNumber synSequence)
    {
        Span<byte> input = stackalloc byte[21];
        local.Address.WriteTo(input);
        BinaryPrimitives.WriteUInt16BigEndian(input[4..], local.Port);
        remote.Address.WriteTo(input[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(input[10..], remote.Port);
        BinaryPrimitives.WriteUInt32BigEndian(input[12..], synSequence.Value);
        BinaryPrimitives.WriteUInt32BigEndian(input[16..], period);
        input[20] = (byte)index;
        return (uint)_hash.Hash(input);
    }
}
