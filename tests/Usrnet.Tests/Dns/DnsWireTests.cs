using Usrnet.Wire;

namespace Usrnet.Tests.Dns;

public sealed class DnsWireTests
{
    private static byte[] Encode(string text)
    {
        byte[] wire = new byte[DnsName.MaxLength];
        Assert.True(DnsName.TryEncode(text, wire, out int length), text);
        return wire[..length];
    }

    private static string RecordName(in DnsResourceRecord record)
    {
        byte[] name = new byte[DnsName.MaxLength];
        Assert.True(record.TryGetName(name, out int length));
        return DnsName.ToText(name.AsSpan(0, length));
    }

    private static string TargetName(in DnsResourceRecord record)
    {
        byte[] name = new byte[DnsName.MaxLength];
        Assert.True(record.TryGetTargetName(name, out int length));
        return DnsName.ToText(name.AsSpan(0, length));
    }

    [Fact]
    public void QueryIsWrittenByteForByteAsRfc1035LaysItOut()
    {
        byte[] query = new byte[DnsMessage.GetQueryLength(Encode("www.example.test"))];

        int length = DnsMessage.WriteQuery(query, 0x1234, Encode("www.example.test"), DnsRecordType.A);

        Assert.Equal(34, length);
        Assert.Equal(DnsFixtures.QueryWwwA, query);
    }

    [Fact]
    public void QueryWithoutRecursionDesiredClearsOnlyTheRdBit()
    {
        byte[] query = new byte[64];

        int length = DnsMessage.WriteQuery(query, 0xBEEF, Encode("six.example.test"), DnsRecordType.AAAA, recursionDesired: false);

        Assert.Equal("BEEF00000001000000000000" + "03736978076578616D706C650474657374" + "00" + "001C" + "0001", Convert.ToHexString(query, 0, length));
    }

    [Fact]
    public void HeaderRoundTripsEveryFlagAndCount()
    {
        DnsHeader header = new(0xA1B2, true, DnsOpcode.Status, true, true, false, true, DnsResponseCode.Refused, 1, 2, 3, 0xFFFF);
        byte[] bytes = new byte[DnsHeader.Length];

        header.WriteTo(bytes);

        // QR=1 OPCODE=2 AA=1 TC=1 RD=0 | RA=1 Z=0 RCODE=5 -> 1001 0110 1000 0101
        Assert.Equal("A1B2" + "9685" + "0001" + "0002" + "0003" + "FFFF", Convert.ToHexString(bytes));
        Assert.True(DnsHeader.TryParse(bytes, out DnsHeader parsed));
        Assert.Equal(header, parsed);
    }

    [Fact]
    public void HeaderIgnoresTheZBitsWhenRead()
    {
        byte[] bytes = Convert.FromHexString("0001" + "8170" + "000100000000" + "0000"); // Z (incl. AD, CD) all set

        Assert.True(DnsHeader.TryParse(bytes, out DnsHeader header));

        Assert.True(header.IsResponse);
        Assert.True(header.RecursionDesired);
        Assert.False(header.RecursionAvailable);
        Assert.Equal(DnsResponseCode.NoError, header.ResponseCode);
    }

    [Fact]
    public void TcpFramingPrefixesTheLengthAndWaitsForTheWholeMessage()
    {
        byte[] framed = new byte[DnsTcpFraming.PrefixLength + DnsFixtures.QueryWwwA.Length];
        DnsTcpFraming.WritePrefix(framed, DnsFixtures.QueryWwwA.Length);
        DnsFixtures.QueryWwwA.CopyTo(framed, DnsTcpFraming.PrefixLength);

        Assert.Equal([0x00, 0x22], framed[..2]);
        for (int cut = 0; cut < framed.Length; cut++)
        {
            Assert.False(DnsTcpFraming.TryReadMessage(framed.AsSpan(0, cut), out _, out _));
        }
        Assert.True(DnsTcpFraming.TryReadMessage(DnsFixtures.ManyOverTcp, out ReadOnlySpan<byte> message, out int consumed));
        Assert.Equal(835, message.Length);
        Assert.Equal(837, consumed);
        Assert.Throws<ArgumentException>(() => DnsTcpFraming.WritePrefix(new byte[2], 65536));
    }

    [Fact]
    public void DnsmasqAnswerForAnAddressRecordDecodes()
    {
        Assert.True(DnsMessage.TryParse(DnsFixtures.WwwA, out DnsMessage message));

        Assert.Equal(new DnsHeader(0x1234, true, DnsOpcode.Query, true, false, true, true, DnsResponseCode.NoError, 1, 1, 0, 0), message.Header);
        Assert.True(message.IsComplete);
        Assert.True(message.TryGetQuestion(out DnsQuestion question));
        Assert.True(question.NameEquals(Encode("WWW.example.TEST")));
        Assert.Equal(DnsRecordType.A, question.Type);
        Assert.Equal(DnsClass.Internet, question.Class);
        int count = 0;
        foreach (DnsResourceRecord record in message.Records)
        {
            count++;
            Assert.Equal(DnsSection.Answer, record.Section);
            Assert.Equal("www.example.test", RecordName(record));
            Assert.Equal(0u, record.TimeToLive);
            Assert.True(record.TryGetAddress(out Ipv4Address address));
            Assert.Equal(Ipv4Address.Parse("10.0.1.2"), address);
            Assert.False(record.TryGetIpv6Address(out _));
            Assert.False(record.TryGetTargetName(new byte[DnsName.MaxLength], out _));
        }
        Assert.Equal(1, count);
    }

    [Fact]
    public void DnsmasqAnswerForAnIpv6AddressDecodes()
    {
        Assert.True(DnsMessage.TryParse(DnsFixtures.SixAaaa, out DnsMessage message));

        DnsMessage.RecordEnumerator records = message.Records;
        Assert.True(records.MoveNext());
        Assert.Equal(DnsRecordType.AAAA, records.Current.Type);
        Assert.True(records.Current.TryGetIpv6Address(out Ipv6Address address));
        Assert.Equal("fd00::3", address.ToString());
        Assert.False(records.Current.TryGetAddress(out _));
        Assert.False(records.MoveNext());
    }

    [Fact]
    public void DnsmasqCnameChainDecodesThroughPointersIntoEarlierRdata()
    {
        Assert.True(DnsMessage.TryParse(DnsFixtures.Alias3ChainA, out DnsMessage message));

        List<string> seen = [];
        foreach (DnsResourceRecord record in message.Records)
        {
            Assert.Equal(300u, record.TimeToLive);
            seen.Add(record.Type switch
            {
                DnsRecordType.CNAME => $"{RecordName(record)} CNAME {TargetName(record)}",
                DnsRecordType.A when record.TryGetAddress(out Ipv4Address a) => $"{RecordName(record)} A {a}",
                _ => "unexpected",
            });
        }
        Assert.Equal(
        [
            "alias3.example.test CNAME alias2.example.test",
            "alias2.example.test CNAME six.example.test",
            "six.example.test A 10.0.1.3",
        ], seen);
    }

    [Fact]
    public void DnsmasqNegativeAnswersHaveTheirCodesAndNoRecords()
    {
        Assert.True(DnsMessage.TryParse(DnsFixtures.NothingNxdomain, out DnsMessage nxdomain));
        Assert.Equal(DnsResponseCode.NameError, nxdomain.Header.ResponseCode);
        Assert.Equal(0, nxdomain.RecordCount);

        Assert.True(DnsMessage.TryParse(DnsFixtures.SixMxNoData, out DnsMessage nodata));
        Assert.Equal(DnsResponseCode.NoError, nodata.Header.ResponseCode);
        Assert.True(nodata.TryGetQuestion(out DnsQuestion question));
        Assert.Equal(DnsRecordType.MX, question.Type);
        Assert.Equal(0, nodata.RecordCount);
    }

    [Fact]
    public void TruncatedDnsmasqAnswerParsesWithItsTcBitAndWholeRecords()
    {
        Assert.True(DnsMessage.TryParse(DnsFixtures.ManyTruncated, out DnsMessage message));

        Assert.True(message.Header.IsTruncated);
        Assert.Equal(29, message.Header.AnswerCount);
        Assert.Equal(29, message.RecordCount);
        Assert.True(message.IsComplete);
    }

    [Fact]
    public void AnswerOverTcpHasAllFiftyAddresses()
    {
        Assert.True(DnsTcpFraming.TryReadMessage(DnsFixtures.ManyOverTcp, out ReadOnlySpan<byte> bytes, out _));
        Assert.True(DnsMessage.TryParse(bytes, out DnsMessage message));

        HashSet<Ipv4Address> addresses = [];
        foreach (DnsResourceRecord record in message.Records)
        {
            Assert.True(record.TryGetAddress(out Ipv4Address a));
            addresses.Add(a);
        }
        Assert.Equal(Enumerable.Range(1, 50).Select(i => new Ipv4Address(10, 0, 2, (byte)i)).ToHashSet(), addresses);
    }

    [Fact]
    public void SoaMinimumIsReadFromTheAuthoritySection()
    {
        byte[] answer = new DnsMessageBuilder(DnsFixtures.QueryWwwA) { ResponseCode = DnsResponseCode.NameError }.Soa("example.test", 3600, 120).Build();

        Assert.True(DnsMessage.TryParse(answer, out DnsMessage message));

        DnsMessage.RecordEnumerator records = message.Records;
        Assert.True(records.MoveNext());
        Assert.Equal(DnsSection.Authority, records.Current.Section);
        Assert.True(records.Current.TryGetSoaMinimum(out uint minimum));
        Assert.Equal(120u, minimum);
        Assert.Equal(3600u, records.Current.TimeToLive);
    }

    [Fact]
    public void TtlWithTheTopBitSetReadsAsZero()
    {
        byte[] answer = (byte[])DnsFixtures.WwwA.Clone();
        answer[^10] = 0x80; // TTL 0x80000000 (RFC 2181 §8)

        Assert.True(DnsMessage.TryParse(answer, out DnsMessage message));

        DnsMessage.RecordEnumerator records = message.Records;
        Assert.True(records.MoveNext());
        Assert.Equal(0x8000_0000u, records.Current.RawTimeToLive);
        Assert.Equal(0u, records.Current.TimeToLive);
    }

    [Fact]
    public void ParsingAndWalkingAnAnswerAllocatesNothing()
    {
        byte[] answer = DnsFixtures.Alias3ChainA;
        byte[] scratch = new byte[DnsName.MaxLength];
        byte[] six = Encode("six.example.test");
        Assert.Equal(1, CountAddressesOf(answer, six, scratch)); // also warms up the JIT

        long before = GC.GetAllocatedBytesForCurrentThread();
        int found = 0;
        for (int i = 0; i < 1000; i++)
        {
            found += CountAddressesOf(answer, six, scratch);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1000, found);
        Assert.Equal(0, allocated);
    }

    private static int CountAddressesOf(byte[] answer, byte[] owner, byte[] scratch)
    {
        if (!DnsMessage.TryParse(answer, out DnsMessage message) || !message.TryGetQuestion(out DnsQuestion question) || question.NameEquals(owner))
        {
            return -1;
        }
        int count = 0;
        foreach (DnsResourceRecord record in message.Records)
        {
            record.TryGetTargetName(scratch, out _);
            if (record.NameEquals(owner) && record.TryGetAddress(out _))
            {
                count++;
            }
        }
        return count;
    }

    [Theory]
    [InlineData("www.example.test", "03777777076578616D706C65047465737400")]
    [InlineData("www.example.test.", "03777777076578616D706C65047465737400")]
    [InlineData(".", "00")]
    [InlineData("a", "016100")]
    [InlineData(@"a\.b.c", "03612E62016300")]
    [InlineData(@"\065\\", "02415C00")]
    public void NamesEncodeToTheirWireForm(string text, string hex)
    {
        Assert.Equal(hex, Convert.ToHexString(Encode(text)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a..b")]
    [InlineData(".a")]
    [InlineData("a b")]
    [InlineData("caf\u00e9.test")]
    [InlineData(@"a\")]
    [InlineData(@"\12")]
    [InlineData(@"\256")]
    public void MalformedNameTextIsRefused(string text)
    {
        Assert.False(DnsName.TryEncode(text, new byte[DnsName.MaxLength], out _));
    }

    [Fact]
    public void LabelAndNameLengthLimitsHoldWhenEncoding()
    {
        string label63 = new('a', 63);
        Assert.Equal(65, Encode(label63).Length);
        Assert.False(DnsName.TryEncode(new string('a', 64), new byte[DnsName.MaxLength], out _));

        // 4 labels of 63 = 256 octets with lengths, plus the root: too long. 3 of 63 + one of 61 = 255: the maximum.
        string longest = string.Join('.', label63, label63, label63, new string('b', 61));
        Assert.Equal(255, Encode(longest).Length);
        Assert.False(DnsName.TryEncode(string.Join('.', label63, label63, label63, new string('b', 62)), new byte[512], out _));
        Assert.False(DnsName.TryEncode("www.example.test", new byte[10], out _));
    }

    [Fact]
    public void NamesCompareCaseInsensitivelyForAsciiLettersOnly()
    {
        Assert.True(DnsName.NamesEqual(Encode("WwW.Example.TEST"), Encode("www.example.test")));
        Assert.False(DnsName.NamesEqual(Encode("www.example.test"), Encode("www.example.tes")));
        Assert.False(DnsName.NamesEqual(Encode(@"\091"), Encode(@"\123"))); // '[' and '{' differ by 0x20 but are not letters
    }

    [Fact]
    public void TextFormEscapesDotsBackslashesAndUnprintableOctets()
    {
        byte[] wire = [3, (byte)'a', (byte)'.', 0x07, 2, (byte)'\\', 0xFF, 0];

        string text = DnsName.ToText(wire);

        Assert.Equal(@"a\.\007.\\\255", text);
        Assert.Equal(wire, Encode(text));
        Assert.Equal(".", DnsName.ToText(DnsName.Root));
        Assert.Throws<ArgumentException>(() => DnsName.ToText([3, (byte)'a', 0]));
    }

    [Fact]
    public void WritingAQueryForAMalformedNameThrows()
    {
        Assert.Throws<ArgumentException>(() => DnsMessage.WriteQuery(new byte[64], 1, [3, (byte)'a', 0], DnsRecordType.A));
        Assert.Throws<ArgumentException>(() => DnsMessage.WriteQuery(new byte[20], 1, Encode("www.example.test"), DnsRecordType.A));
    }

    [Fact]
    public void Ipv6AddressRoundTripsThroughText()
    {
        Assert.True(Ipv6Address.TryParse("fd00::3", out Ipv6Address address));
        byte[] bytes = new byte[16];
        address.WriteTo(bytes);

        Assert.Equal("FD000000000000000000000000000003", Convert.ToHexString(bytes));
        Assert.Equal(address, Ipv6Address.Read(bytes));
        Assert.Equal("fd00::3", address.ToString());
        Assert.False(Ipv6Address.TryParse("10.0.0.1", out _));
    }
}
