using System.Buffers.Binary;
using Usrnet.Wire;

namespace Usrnet.Fuzz.Targets;

/// <summary>
/// DNS (RFC 1035 §4): an accepted message is walked with every accessor; its names decode, print and
/// encode back to the same wire form; written again without compression it parses to the same
/// header, questions and records (names, types, classes, TTLs, RDATA, target names). The TCP
/// framing reader is run over the same bytes.
/// </summary>
internal sealed class DnsTarget : FuzzTarget
{
    private const int SoaFixedLength = 20;

    private readonly byte[] _written = new byte[DnsMessage.MaxLength];
    private readonly byte[] _name = new byte[DnsName.MaxLength];
    private readonly byte[] _other = new byte[DnsName.MaxLength];
    private readonly byte[] _encoded = new byte[DnsName.MaxLength];

    public override string Name => "dns";

    public override string Description => "DNS message: parse, walk, names round-trip through text, write uncompressed, parse again, compare";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (DnsTcpFraming.TryReadMessage(input, out ReadOnlySpan<byte> framed, out int consumed))
        {
            InvariantViolationException.Check(consumed == framed.Length + DnsTcpFraming.PrefixLength && consumed <= input.Length, "TCP framing lengths");
        }
        if (!DnsMessage.TryParse(input, out DnsMessage message))
        {
            return;
        }
        _ = message.TryGetQuestion(out _);
        int length = WriteUncompressed(message);
        if (length < 0)
        {
            return; // decompressed, the message would not fit in 64 KiB
        }
        ReadOnlySpan<byte> written = _written.AsSpan(0, length);
        InvariantViolationException.Check(DnsMessage.TryParse(written, out DnsMessage again), "written message does not parse");
        InvariantViolationException.Check(again.Header == message.Header with
        {
            AnswerCount = again.Header.AnswerCount,
            AuthorityCount = again.Header.AuthorityCount,
            AdditionalCount = again.Header.AdditionalCount,
        } && again.RecordCount == message.RecordCount && again.IsComplete, "written header differs");
        CompareQuestions(message, again);
        CompareRecords(message, again);
    }

    /// <summary>Writes <paramref name="message"/> with every name uncompressed; -1 when it does not fit.</summary>
    private int WriteUncompressed(DnsMessage message)
    {
        Span<byte> output = _written;
        int answers = Math.Min(message.Header.AnswerCount, message.RecordCount);
        int authorities = Math.Min(message.Header.AuthorityCount, message.RecordCount - answers);
        DnsHeader header = message.Header with
        {
            AnswerCount = (ushort)answers,
            AuthorityCount = (ushort)authorities,
            AdditionalCount = (ushort)(message.RecordCount - answers - authorities),
        };
        header.WriteTo(output);
        int at = DnsHeader.Length;
        foreach (DnsQuestion question in message.Questions)
        {
            InvariantViolationException.Check(question.TryGetName(_name, out int nameLength), "a question's name does not decode");
            CheckNameRoundTrip(_name.AsSpan(0, nameLength));
            if (!TryAppend(output, ref at, _name.AsSpan(0, nameLength)) || !TryAppendFixed(output, ref at, (ushort)question.Type, (ushort)question.Class))
            {
                return -1;
            }
        }
        foreach (DnsResourceRecord record in message.Records)
        {
            InvariantViolationException.Check(record.TryGetName(_name, out int nameLength), "a record's name does not decode");
            CheckNameRoundTrip(_name.AsSpan(0, nameLength));
            _ = record.TryGetAddress(out _) | record.TryGetIpv6Address(out _) | record.TryGetSoaMinimum(out _);
            _ = record.TimeToLive;
            if (!TryAppend(output, ref at, _name.AsSpan(0, nameLength)) || !TryAppendFixed(output, ref at, (ushort)record.Type, (ushort)record.Class)
                || !TryAppendTtlAndData(output, ref at, record))
            {
                return -1;
            }
        }
        return at;
    }

    private bool TryAppendTtlAndData(Span<byte> output, ref int at, DnsResourceRecord record)
    {
        if (at + 6 > output.Length)
        {
            return false;
        }
        BinaryPrimitives.WriteUInt32BigEndian(output[at..], record.RawTimeToLive);
        int lengthAt = at + 4;
        at += 6;
        int dataStart = at;
        if (record.TryGetTargetName(_other, out int targetLength))
        {
            CheckNameRoundTrip(_other.AsSpan(0, targetLength));
            if (!TryAppend(output, ref at, _other.AsSpan(0, targetLength)))
            {
                return false;
            }
        }
        else if (record.Type == DnsRecordType.SOA)
        {
            InvariantViolationException.Check(DnsName.TryDecode(record.Message, record.DataOffset, _other, out int mname, out int mnameEnd)
                && TryAppend(output, ref at, _other.AsSpan(0, mname))
                && DnsName.TryDecode(record.Message, mnameEnd, _other, out int rname, out int rnameEnd)
                && TryAppend(output, ref at, _other.AsSpan(0, rname))
                && TryAppend(output, ref at, record.Message.Slice(rnameEnd, SoaFixedLength)), "an SOA record's names do not decode");
        }
        else
        {
            InvariantViolationException.Check(record.Type is not (DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR),
                "a checked record's target name does not decode");
            if (!TryAppend(output, ref at, record.Data))
            {
                return false;
            }
        }
        if (at - dataStart > ushort.MaxValue)
        {
            return false;
        }
        BinaryPrimitives.WriteUInt16BigEndian(output[lengthAt..], (ushort)(at - dataStart));
        return true;
    }

    private static void CompareQuestions(DnsMessage message, DnsMessage again)
    {
        DnsMessage.QuestionEnumerator theirs = again.Questions;
        Span<byte> a = stackalloc byte[DnsName.MaxLength];
        Span<byte> b = stackalloc byte[DnsName.MaxLength];
        foreach (DnsQuestion question in message.Questions)
        {
            InvariantViolationException.Check(theirs.MoveNext(), "a question is missing");
            DnsQuestion other = theirs.Current;
            question.TryGetName(a, out int la);
            InvariantViolationException.Check(other.TryGetName(b, out int lb) && a[..la].SequenceEqual(b[..lb])
                && question.Type == other.Type && question.Class == other.Class && other.NameEquals(a[..la]), "a question differs");
        }
        InvariantViolationException.Check(!theirs.MoveNext(), "an extra question");
    }

    private static void CompareRecords(DnsMessage message, DnsMessage again)
    {
        DnsMessage.RecordEnumerator theirs = again.Records;
        Span<byte> a = stackalloc byte[DnsName.MaxLength];
        Span<byte> b = stackalloc byte[DnsName.MaxLength];
        foreach (DnsResourceRecord record in message.Records)
        {
            InvariantViolationException.Check(theirs.MoveNext(), "a record is missing");
            DnsResourceRecord other = theirs.Current;
            record.TryGetName(a, out int la);
            InvariantViolationException.Check(other.TryGetName(b, out int lb) && a[..la].SequenceEqual(b[..lb]) && other.NameEquals(a[..la])
                && record.Type == other.Type && record.Class == other.Class && record.RawTimeToLive == other.RawTimeToLive
                && record.Section == other.Section, "a record differs");
            bool target = record.TryGetTargetName(a, out int ta);
            InvariantViolationException.Check(target == other.TryGetTargetName(b, out int tb) && (!target || a[..ta].SequenceEqual(b[..tb])), "a target name differs");
            bool address = record.TryGetAddress(out Ipv4Address x);
            InvariantViolationException.Check(address == other.TryGetAddress(out Ipv4Address y) && x == y, "an address differs");
            bool soa = record.TryGetSoaMinimum(out uint m);
            InvariantViolationException.Check(soa == other.TryGetSoaMinimum(out uint n) && m == n, "an SOA minimum differs");
            if (!target && record.Type != DnsRecordType.SOA)
            {
                InvariantViolationException.Check(record.Data.SequenceEqual(other.Data), "RDATA differs");
            }
        }
        InvariantViolationException.Check(!theirs.MoveNext(), "an extra record");
    }

    /// <summary>A decoded name prints to text that encodes back to the same wire form (RFC 4343 §2.1 escapes).</summary>
    private void CheckNameRoundTrip(ReadOnlySpan<byte> name)
    {
        InvariantViolationException.Check(DnsName.IsValid(name), "a decoded name is not a valid wire name");
        string text = DnsName.ToText(name);
        InvariantViolationException.Check(DnsName.TryEncode(text, _encoded, out int written) && _encoded.AsSpan(0, written).SequenceEqual(name),
            $"name '{text}' does not encode back to its wire form");
    }

    private static bool TryAppend(Span<byte> output, ref int at, ReadOnlySpan<byte> data)
    {
        if (at + data.Length > output.Length)
        {
            return false;
        }
        data.CopyTo(output[at..]);
        at += data.Length;
        return true;
    }

    private static bool TryAppendFixed(Span<byte> output, ref int at, ushort type, ushort @class)
    {
        if (at + 4 > output.Length)
        {
            return false;
        }
        BinaryPrimitives.WriteUInt16BigEndian(output[at..], type);
        BinaryPrimitives.WriteUInt16BigEndian(output[(at + 2)..], @class);
        at += 4;
        return true;
    }
}
