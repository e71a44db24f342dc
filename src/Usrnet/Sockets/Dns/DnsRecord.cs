using System.Globalization;
using Usrnet.Wire;

namespace Usrnet.Sockets.Dns;

/// <summary>
/// A resource record of an answer, copied out of the message: its owner name, type, remaining TTL and
/// its data read for A (<see cref="Address"/>), AAAA (<see cref="Ipv6Address"/>) and CNAME, NS and PTR
/// (<see cref="Target"/>); other types keep their raw RDATA in <see cref="Data"/>.
/// </summary>
/// <param name="Name">The owner name, in presentation form without the final dot.</param>
/// <param name="Type">The record type.</param>
/// <param name="TimeToLive">How long the record may still be cached (RFC 1035 §3.2.1).</param>
public sealed record DnsRecord(string Name, DnsRecordType Type, TimeSpan TimeToLive)
{
    /// <summary>The address of an A record.</summary>
    public Ipv4Address Address { get; init; }

    /// <summary>The address of an AAAA record.</summary>
    public Ipv6Address Ipv6Address { get; init; }

    /// <summary>The name a CNAME, NS or PTR record points to, in presentation form without the final dot.</summary>
    public string? Target { get; init; }

    /// <summary>Raw RDATA of records of other types (empty for the types read above).</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>
    /// The record's data as <c>dig +short</c> prints it: an address, a name with its final dot, or for
    /// other types the generic form of RFC 3597 §5 (<c>\# LENGTH HEX</c>).
    /// </summary>
    public string DataText => Type switch
    {
        DnsRecordType.A => Address.ToString(),
        DnsRecordType.AAAA => Ipv6Address.ToString(),
        _ when Target is not null => Target == "." ? "." : Target + ".",
        _ => $"\\# {Data.Length.ToString(CultureInfo.InvariantCulture)} {Convert.ToHexString(Data.Span)}".TrimEnd(),
    };

    /// <summary>Copies the record with its TTL lowered by <paramref name="age"/> (not below zero), as a cache hands it out.</summary>
    internal DnsRecord Aged(TimeSpan age) => age <= TimeSpan.Zero ? this : this with { TimeToLive = TimeToLive > age ? TimeToLive - age : TimeSpan.Zero };

    /// <summary>
    /// Copies an IN record of a checked message; false for records of other classes and for names that
    /// do not decode (which a checked message does not have).
    /// </summary>
    internal static bool TryCreate(in DnsResourceRecord record, out DnsRecord? result)
    {
        result = null;
        Span<byte> name = stackalloc byte[DnsName.MaxLength];
        if (record.Class != DnsClass.Internet || !record.TryGetName(name, out int nameLength))
        {
            return false;
        }
        DnsRecord r = new(DnsName.ToText(name[..nameLength]), record.Type, TimeSpan.FromSeconds(record.TimeToLive));
        if (record.TryGetAddress(out Ipv4Address v4))
        {
            result = r with { Address = v4 };
        }
        else if (record.TryGetIpv6Address(out Ipv6Address v6))
        {
            result = r with { Ipv6Address = v6 };
        }
        else if (record.TryGetTargetName(name, out int targetLength))
        {
            result = r with { Target = DnsName.ToText(name[..targetLength]) };
        }
        else
        {
            result = r with { Data = record.Data.ToArray() };
        }
        return true;
    }
}
