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
/// The sequence number has no room for the SYN's other options (RFC 4987 §3.6). When the SYN carries
/// timestamps, they go where Linux puts them (cookie_init_timestamp): the low 6 bits of the SYN-ACK's
/// TSval carry the peer's window scale (4 bits, 15 for none), SACK-permitted (1 bit) and ECN (1 bit,
/// always 0 here), and the ACK's TSecr brings them back, so a cookie connection keeps window scaling,
/// SACK and timestamps. Without timestamps it runs without all three.
/// </remarks>
internal sealed class TcpSynCookies
{
    /// <summary>MSS values a cookie can name; the largest not above the peer's is used.</summary>
    private static readonly ushort[] s_mssTable = [536, 1220, 1360, 1400, 1440, 1460, 4312, 8960];

    private const long PeriodMicroseconds = 64_000_000;

    /// <summary>Low bits of the TSval that carry the SYN's options (Linux's TSBITS).</summary>
    private const int TimestampOptionBits = 6;
    private const uint TimestampOptionMask = (1u << TimestampOptionBits) - 1;
    private const uint WindowScaleMask = 0xF;
    private const uint NoWindowScale = WindowScaleMask;
    private const uint SackPermittedBit = 1 << 4;
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

    /// <summary>
    /// The SYN-ACK's TSval: <paramref name="clock"/> (our timestamp clock now) with its low 6 bits replaced
    /// by the options, moved one step back when that would put it ahead of the clock (a TSval never runs
    /// ahead of the connection's later ones).
    /// </summary>
    public static uint EncodeOptions(uint clock, byte? peerWindowScale, bool sackPermitted)
    {
        uint options = (peerWindowScale is byte scale ? Math.Min(scale, TcpOptions.MaxWindowScale) : NoWindowScale) | (sackPermitted ? SackPermittedBit : 0);
        uint value = (clock & ~TimestampOptionMask) | options;
        return unchecked((int)(value - clock)) > 0 ? unchecked(value - (1u << TimestampOptionBits)) : value;
    }

    /// <summary>Reads the options back from the TSecr of the ACK that returns a cookie (the low 6 bits of our TSval).</summary>
    public static void DecodeOptions(uint echoed, out byte? peerWindowScale, out bool sackPermitted)
    {
        uint scale = echoed & WindowScaleMask;
        peerWindowScale = scale == NoWindowScale ? null : (byte)Math.Min(scale, TcpOptions.MaxWindowScale);
        sackPermitted = (echoed & SackPermittedBit) != 0;
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
