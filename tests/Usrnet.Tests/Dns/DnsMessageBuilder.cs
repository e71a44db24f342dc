using System.Buffers.Binary;
using Usrnet.Wire;

namespace Usrnet.Tests.Dns;

/// <summary>
/// Builds DNS responses for tests, the way a server lays them out (RFC 1035 §4.1): the header and
/// question copied from a query, then records whose owner names are written out in full (or as a
/// pointer to the question when they equal it, as dnsmasq does).
/// </summary>
internal sealed class DnsMessageBuilder
{
    private readonly List<(string Name, DnsRecordType Type, uint Ttl, byte[] Data, DnsSection Section)> _records = [];

    public DnsMessageBuilder(byte[] query)
    {
        Query = query;
        Assert.True(DnsMessage.TryParse(query, out DnsMessage parsed));
        Id = parsed.Header.Id;
    }

    public byte[] Query { get; }

    public ushort Id { get; set; }

    public DnsResponseCode ResponseCode { get; set; }

    public bool Truncated { get; set; }

    public bool IsResponse { get; set; } = true;

    public DnsMessageBuilder A(string name, string address, uint ttl = 300) => Add(name, DnsRecordType.A, ttl, Address(address));

    public DnsMessageBuilder Aaaa(string name, string address, uint ttl = 300)
    {
        byte[] data = new byte[16];
        Assert.True(Ipv6Address.TryParse(address, out Ipv6Address v6));
        v6.WriteTo(data);
        return Add(name, DnsRecordType.AAAA, ttl, data);
    }

    public DnsMessageBuilder Cname(string name, string target, uint ttl = 300) => Add(name, DnsRecordType.CNAME, ttl, Name(target));

    /// <summary>An SOA record in the authority section (RFC 2308 §3) with the given TTL and MINIMUM.</summary>
    public DnsMessageBuilder Soa(string zone, uint ttl, uint minimum)
    {
        List<byte> data = [.. Name("ns." + zone), .. Name("hostmaster." + zone)];
        byte[] fixedFields = new byte[20];
        BinaryPrimitives.WriteUInt32BigEndian(fixedFields, 1);
        BinaryPrimitives.WriteUInt32BigEndian(fixedFields.AsSpan(16), minimum);
        data.AddRange(fixedFields);
        _records.Add((zone, DnsRecordType.SOA, ttl, [.. data], DnsSection.Authority));
        return this;
    }

    public DnsMessageBuilder Add(string name, DnsRecordType type, uint ttl, byte[] data, DnsSection section = DnsSection.Answer)
    {
        _records.Add((name, type, ttl, data, section));
        return this;
    }

    public byte[] Build()
    {
        Assert.True(DnsMessage.TryParse(Query, out DnsMessage query));
        Assert.True(query.TryGetQuestion(out DnsQuestion question));
        byte[] questionName = new byte[DnsName.MaxLength];
        Assert.True(question.TryGetName(questionName, out int questionNameLength));
        List<byte> message = [];
        byte[] header = new byte[DnsHeader.Length];
        int Count(DnsSection s) => _records.Count(r => r.Section == s);
        new DnsHeader(Id, IsResponse, DnsOpcode.Query, true, Truncated, true, true, ResponseCode, 1,
            (ushort)Count(DnsSection.Answer), (ushort)Count(DnsSection.Authority), (ushort)Count(DnsSection.Additional)).WriteTo(header);
        message.AddRange(header);
        message.AddRange(Query[DnsHeader.Length..]); // a query holds its header and question only
        foreach (DnsSection section in new[] { DnsSection.Answer, DnsSection.Authority, DnsSection.Additional })
        {
            foreach ((string name, DnsRecordType type, uint ttl, byte[] data, DnsSection s) in _records)
            {
                if (s != section)
                {
                    continue;
                }
                byte[] owner = Name(name);
                if (DnsName.NamesEqual(owner, questionName.AsSpan(0, questionNameLength)))
                {
                    message.AddRange([0xC0, DnsHeader.Length]); // a pointer to QNAME
                }
                else
                {
                    message.AddRange(owner);
                }
                byte[] fixedFields = new byte[DnsResourceRecord.FixedLength];
                BinaryPrimitives.WriteUInt16BigEndian(fixedFields, (ushort)type);
                BinaryPrimitives.WriteUInt16BigEndian(fixedFields.AsSpan(2), (ushort)DnsClass.Internet);
                BinaryPrimitives.WriteUInt32BigEndian(fixedFields.AsSpan(4), ttl);
                BinaryPrimitives.WriteUInt16BigEndian(fixedFields.AsSpan(8), (ushort)data.Length);
                message.AddRange(fixedFields);
                message.AddRange(data);
            }
        }
        return [.. message];
    }

    public static byte[] Name(string text)
    {
        byte[] wire = new byte[DnsName.MaxLength];
        Assert.True(DnsName.TryEncode(text, wire, out int length), text);
        return wire[..length];
    }

    public static byte[] Address(string text)
    {
        byte[] data = new byte[4];
        Ipv4Address.Parse(text).WriteTo(data);
        return data;
    }

    /// <summary>A copy of a captured answer with its ID replaced, to answer a query with a different ID.</summary>
    public static byte[] WithId(byte[] message, ushort id, int offset = 0)
    {
        byte[] copy = (byte[])message.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(offset), id);
        return copy;
    }
}
