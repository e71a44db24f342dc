using Usrnet.Wire;

namespace Usrnet.Tests.Dns;

/// <summary>
/// Hostile and broken messages: TryParse says false (or, for a truncated answer, keeps only whole
/// records), and nothing ever throws or reads outside the buffer.
/// </summary>
public sealed class DnsMalformedMessageTests
{
    private const string QuestionWwwA = "03777777076578616d706c6504746573740000010001"; // www.example.test A IN

    private static byte[] Message(string hex) => Convert.FromHexString(hex);

    /// <summary>Parses and then walks everything a caller could touch, decoding every name it can find.</summary>
    private static bool ParseAndWalk(byte[] bytes)
    {
        if (!DnsMessage.TryParse(bytes, out DnsMessage message))
        {
            return false;
        }
        byte[] name = new byte[DnsName.MaxLength];
        foreach (DnsQuestion question in message.Questions)
        {
            Assert.True(question.TryGetName(name, out _));
        }
        int records = 0;
        foreach (DnsResourceRecord record in message.Records)
        {
            records++;
            Assert.True(record.TryGetName(name, out _));
            record.TryGetAddress(out _);
            record.TryGetIpv6Address(out _);
            record.TryGetSoaMinimum(out _);
            if (record.Type is DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR)
            {
                Assert.True(record.TryGetTargetName(name, out _));
            }
        }
        Assert.Equal(message.RecordCount, records);
        return true;
    }

    [Fact]
    public void CompressionPointerToItselfIsRefused()
    {
        // The answer's owner name at offset 34 is a pointer to 34.
        Assert.False(DnsMessage.TryParse(Message("123481800001000100000000" + QuestionWwwA + "c022" + "000100010000012c00040a000102"), out _));
    }

    [Fact]
    public void CompressionLoopBetweenTwoPointersIsRefused()
    {
        // QNAME at 12: label "a", then a pointer to 16, where a pointer leads back to 12: a loop.
        byte[] bytes = Message("123481800001000000000000" + "0161c010" + "c00c" + "00010001");
        Assert.False(DnsMessage.TryParse(bytes, out _));
        Assert.False(DnsName.TryDecode(bytes, 12, new byte[DnsName.MaxLength], out _, out _));
    }

    [Fact]
    public void PointerBackIntoTheSameNameIsRefused()
    {
        // QNAME at 12: "a" "b" then a pointer to 14 (label "b" of the same name): would repeat forever.
        Assert.False(DnsMessage.TryParse(Message("123481800001000000000000" + "01610162c00e" + "00010001"), out _));
    }

    [Fact]
    public void ForwardPointerIsRefused()
    {
        // QNAME is a pointer to offset 20, after itself, where a valid name even sits.
        Assert.False(DnsMessage.TryParse(Message("123481800001000000000000" + "c014" + "00010001" + "0000" + "016100"), out _));
    }

    [Fact]
    public void PointerOutsideTheMessageIsRefused()
    {
        Assert.False(DnsMessage.TryParse(Message("123481800001000100000000" + QuestionWwwA + "c3ff" + "000100010000012c00040a000102"), out _));
    }

    [Fact]
    public void PointerCutInHalfAtTheEndIsRefused()
    {
        Assert.False(DnsMessage.TryParse(Message("123481800001000000000000" + "c0"), out _));
    }

    [Fact]
    public void ReservedLabelTypesAreRefused()
    {
        Assert.False(DnsMessage.TryParse(Message("123481800001000000000000" + "4161" + "0000010001"), out _)); // 01xxxxxx
        Assert.False(DnsMessage.TryParse(Message("123481800001000000000000" + "8161" + "0000010001"), out _)); // 10xxxxxx
    }

    [Fact]
    public void NameLongerThan255OctetsIsRefusedEvenThroughPointers()
    {
        // A 250-octet name in the question, then an answer owner with one more label pointing to it: 256 octets.
        string label63 = "3f" + string.Concat(Enumerable.Repeat("61", 63));
        string label56 = "38" + string.Concat(Enumerable.Repeat("62", 56));
        string longName = label63 + label63 + label63 + label56 + "00"; // 64*3 + 57 + 1 = 250 octets
        Assert.Equal(250, longName.Length / 2);
        string question = longName + "00010001";
        Assert.True(DnsMessage.TryParse(Message("123481800001000000000000" + question), out _));

        string owner254 = "03636363" + "c00c";       // 4 + 250 octets
        string owner255 = "0463636363" + "c00c";     // 5 + 250: the limit
        string owner256 = "056363636363" + "c00c";   // 6 + 250: one too many
        string record = "000100010000012c00040a000102";
        Assert.True(DnsMessage.TryParse(Message("123481800001000100000000" + question + owner254 + record), out _));
        Assert.True(DnsMessage.TryParse(Message("123481800001000100000000" + question + owner255 + record), out _));
        Assert.False(DnsMessage.TryParse(Message("123481800001000100000000" + question + owner256 + record), out _));
    }

    [Fact]
    public void LabelLongerThanTheMessageIsRefused()
    {
        Assert.False(DnsMessage.TryParse(Message("123481800001000000000000" + "3f6161" + "00010001"), out _));
    }

    [Theory]
    [InlineData("0002", "0001")] // two questions and an answer: the answer is read as the second question, then no answer is left
    [InlineData("0001", "0002")] // two answers, one present
    [InlineData("ffff", "0000")]
    [InlineData("0001", "ffff")]
    public void CountsThatPromiseMoreThanTheMessageHoldsAreRefused(string questions, string answers)
    {
        byte[] honest = DnsFixtures.WwwA;
        byte[] lying = (byte[])honest.Clone();
        Convert.FromHexString(questions).CopyTo(lying, 4);
        Convert.FromHexString(answers).CopyTo(lying, 6);

        Assert.False(DnsMessage.TryParse(lying, out _));
    }

    [Fact]
    public void LyingAuthorityAndAdditionalCountsAreRefused()
    {
        foreach (int offset in new[] { 8, 10 })
        {
            byte[] lying = (byte[])DnsFixtures.WwwA.Clone();
            lying[offset + 1] = 1;
            Assert.False(DnsMessage.TryParse(lying, out _));
        }
    }

    [Fact]
    public void RdlengthBeyondTheMessageIsRefused()
    {
        byte[] bytes = (byte[])DnsFixtures.WwwA.Clone();
        bytes[^5] = 5; // RDLENGTH 5 with 4 bytes left

        Assert.False(DnsMessage.TryParse(bytes, out _));
    }

    [Theory]
    [InlineData("0001", "0003")] // A with 3 bytes
    [InlineData("001c", "0004")] // AAAA with 4 bytes
    public void AddressRecordsOfTheWrongLengthAreRefused(string type, string rdlength)
    {
        string data = rdlength == "0003" ? "0a0001" : "0a000102";
        Assert.False(DnsMessage.TryParse(Message("123481800001000100000000" + QuestionWwwA + "c00c" + type + "00010000012c" + rdlength + data), out _));
    }

    [Fact]
    public void CnameWhoseNameRunsPastItsRdataIsRefused()
    {
        // RDLENGTH says 2, but the name inside is "a" + root = 3 octets.
        Assert.False(DnsMessage.TryParse(Message("123481800001000100000000" + QuestionWwwA + "c00c" + "000500010000012c0002" + "016100"), out _));
        // And a CNAME whose RDATA holds a name followed by junk.
        Assert.False(DnsMessage.TryParse(Message("123481800001000100000000" + QuestionWwwA + "c00c" + "000500010000012c0004" + "016100ff"), out _));
    }

    [Theory]
    [InlineData(20, true)]
    [InlineData(19, false)]
    [InlineData(21, false)]
    public void SoaNeedsExactlyItsFiveFixedFieldsAfterItsNames(int fixedLength, bool valid)
    {
        byte[] data = [.. DnsMessageBuilder.Name("ns.example.test"), .. DnsMessageBuilder.Name("hostmaster.example.test"), .. new byte[fixedLength]];
        byte[] answer = new DnsMessageBuilder(DnsFixtures.QueryWwwA) { ResponseCode = DnsResponseCode.NameError }
            .Add("example.test", DnsRecordType.SOA, 60, data, DnsSection.Authority).Build();

        Assert.Equal(valid, DnsMessage.TryParse(answer, out _));
    }

    [Fact]
    public void EveryTruncationOfEveryCompleteAnswerIsRefusedWithoutThrowing()
    {
        foreach (byte[] answer in DnsFixtures.CompleteAnswers.Append(DnsFixtures.ManyOverTcp[2..]))
        {
            Assert.True(ParseAndWalk(answer));
            for (int cut = 0; cut < answer.Length; cut++)
            {
                Assert.False(ParseAndWalk(answer[..cut]), $"a {cut}-byte prefix of a {answer.Length}-byte answer parsed");
            }
        }
    }

    [Fact]
    public void TruncatedAnswerCutAnywhereAfterItsQuestionKeepsOnlyWholeRecords()
    {
        byte[] answer = DnsFixtures.ManyTruncated;
        int questionEnd = DnsHeader.Length + 19 + 4;
        int previous = 0;
        for (int cut = 0; cut <= answer.Length; cut++)
        {
            bool parsed = DnsMessage.TryParse(answer.AsSpan(0, cut), out DnsMessage message);
            Assert.Equal(cut >= questionEnd, parsed);
            if (parsed)
            {
                Assert.Equal((cut - questionEnd) / 16, message.RecordCount); // each answer is 16 bytes
                Assert.True(message.RecordCount >= previous);
                previous = message.RecordCount;
                Assert.True(ParseAndWalk(answer[..cut]));
            }
        }
        Assert.Equal(29, previous);
    }

    [Fact]
    public void RandomCorruptionOfRealAnswersNeverThrows()
    {
        Random random = new(20261124);
        byte[][] answers = [.. DnsFixtures.CompleteAnswers, DnsFixtures.ManyTruncated, DnsFixtures.ManyOverTcp[2..]];
        int parsed = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] bytes = (byte[])answers[random.Next(answers.Length)].Clone();
            int flips = random.Next(1, 6);
            for (int f = 0; f < flips; f++)
            {
                int at = random.Next(bytes.Length);
                bytes[at] = random.Next(4) == 0 ? (byte)(0xC0 | random.Next(4)) : (byte)random.Next(256); // pointers are the interesting bytes
            }
            if (random.Next(4) == 0)
            {
                bytes = bytes[..random.Next(bytes.Length + 1)];
            }
            if (ParseAndWalk(bytes))
            {
                parsed++;
            }
        }
        Assert.InRange(parsed, 1, 19_999); // both outcomes happen: the walk above ran on accepted corruptions
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        Random random = new(42);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            ParseAndWalk(bytes);
            DnsName.TryDecode(bytes, bytes.Length == 0 ? 0 : random.Next(bytes.Length), new byte[DnsName.MaxLength], out _, out _);
        }
    }

    [Fact]
    public void DecodingIntoASmallBufferFailsInsteadOfOverflowing()
    {
        Assert.False(DnsName.TryDecode(DnsFixtures.WwwA, 12, new byte[10], out _, out _));
        Assert.True(DnsName.TryDecode(DnsFixtures.WwwA, 12, new byte[18], out int written, out int end));
        Assert.Equal(18, written);
        Assert.Equal(30, end);
        Assert.False(DnsName.TryDecode(DnsFixtures.WwwA, -1, new byte[255], out _, out _));
        Assert.False(DnsName.TryDecode(DnsFixtures.WwwA, DnsFixtures.WwwA.Length, new byte[255], out _, out _));
    }
}
