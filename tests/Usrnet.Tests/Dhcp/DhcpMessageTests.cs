using Usrnet.Wire;
using static Usrnet.Tests.Dhcp.DhcpFixtures;

namespace Usrnet.Tests.Dhcp;

public sealed class DhcpMessageTests
{
    private static readonly byte[] s_clientId = [0x01, 0x06, 0x11, 0x22, 0x33, 0x44, 0x55];
    private static readonly byte[] s_parameterRequestList = [1, 3, 6, 15, 26, 51, 54, 58, 59];

    private static readonly DhcpMessage s_discover = new()
    {
        Operation = DhcpOperation.BootRequest,
        TransactionId = TransactionId,
        Broadcast = true,
        ClientHardwareAddress = ClientMac,
        MessageType = DhcpMessageType.Discover,
        ClientIdentifier = s_clientId,
        MaximumMessageSize = 1500,
        HostName = "labhost",
        ParameterRequestList = s_parameterRequestList,
    };

    private static byte[] Write(DhcpMessage message)
    {
        byte[] buffer = new byte[message.Length];
        buffer.AsSpan().Fill(0xA5); // whatever was in the buffer must not leak into the message
        message.WriteTo(buffer);
        return buffer;
    }

    private static DhcpMessage Parse(byte[] bytes)
    {
        Assert.True(DhcpMessage.TryParse(bytes, out DhcpMessage message));
        return message;
    }

    [Fact]
    public void DiscoverIsWrittenByteForByteAsScapyBuildsIt()
    {
        Assert.Equal(300, s_discover.Length);
        Assert.Equal(Bytes(Discover), Write(s_discover));
    }

    [Fact]
    public void RequestsDeclineAndReleaseAreWrittenByteForByteAsScapyBuildsThem()
    {
        DhcpMessage selecting = s_discover with { MessageType = DhcpMessageType.Request, ServerIdentifier = Server, RequestedAddress = Leased };
        DhcpMessage renewing = s_discover with { MessageType = DhcpMessageType.Request, Broadcast = false, ClientAddress = Leased };
        DhcpMessage reboot = s_discover with { MessageType = DhcpMessageType.Request, RequestedAddress = new Ipv4Address(10, 0, 0, 160) };
        DhcpMessage decline = new()
        {
            Operation = DhcpOperation.BootRequest,
            TransactionId = TransactionId,
            ClientHardwareAddress = ClientMac,
            MessageType = DhcpMessageType.Decline,
            ServerIdentifier = Server,
            RequestedAddress = Leased,
            ClientIdentifier = s_clientId,
            Message = "address in use by 02:00:00:00:00:99",
        };
        DhcpMessage release = new()
        {
            Operation = DhcpOperation.BootRequest,
            TransactionId = TransactionId,
            ClientAddress = Leased,
            ClientHardwareAddress = ClientMac,
            MessageType = DhcpMessageType.Release,
            ServerIdentifier = Server,
            ClientIdentifier = s_clientId,
        };

        Assert.Equal(Bytes(RequestSelecting), Write(selecting));
        Assert.Equal(Bytes(RequestRenewing), Write(renewing));
        Assert.Equal(Bytes(RequestInitReboot), Write(reboot));
        Assert.Equal(302, decline.Length); // longer than BOOTP's 300: no padding
        Assert.Equal(Bytes(Decline), Write(decline));
        Assert.Equal(Bytes(Release), Write(release));
    }

    [Fact]
    public void ClientMessagesParseBackToWhatWasWritten()
    {
        Assert.Equal(s_discover, Parse(Bytes(Discover)));
        foreach (string fixture in new[] { Discover, RequestSelecting, RequestRenewing, RequestInitReboot, Decline, Release })
        {
            byte[] bytes = Bytes(fixture);
            Assert.Equal(bytes, Write(Parse(bytes)));
        }
    }

    [Fact]
    public void DnsmasqOfferIsReadWithEveryOptionTheClientUses()
    {
        DhcpMessage offer = Parse(Bytes(DnsmasqOffer));

        Assert.Equal(DhcpOperation.BootReply, offer.Operation);
        Assert.Equal(DhcpMessageType.Offer, offer.MessageType);
        Assert.Equal(TransactionId, offer.TransactionId);
        Assert.True(offer.Broadcast);
        Assert.Equal(ClientMac, offer.ClientHardwareAddress);
        Assert.Equal(Ipv4Address.Any, offer.ClientAddress);
        Assert.Equal(Leased, offer.YourAddress);
        Assert.Equal(Server, offer.NextServerAddress);
        Assert.Equal(Server, offer.ServerIdentifier);
        Assert.Equal(120u, offer.LeaseTime);
        Assert.Equal(60u, offer.RenewalTime);
        Assert.Equal(105u, offer.RebindingTime);
        Assert.Equal(new Ipv4Address(255, 255, 255, 0), offer.SubnetMask);
        Assert.Equal(Server, offer.Router);
        Assert.Equal([Server], offer.DomainNameServers.ToArray());
        Assert.Equal("example.test", offer.DomainName);
        Assert.Null(offer.InterfaceMtu);
        Assert.Null(offer.Message);
    }

    [Fact]
    public void DnsmasqAckAndNakAreRead()
    {
        DhcpMessage ack = Parse(Bytes(DnsmasqAck));
        DhcpMessage nak = Parse(Bytes(DnsmasqNak));

        Assert.Equal(DhcpMessageType.Ack, ack.MessageType);
        Assert.Equal(Leased, ack.YourAddress);
        Assert.Equal(120u, ack.LeaseTime);
        Assert.Equal(DhcpMessageType.Nak, nak.MessageType);
        Assert.Equal(0xaa079e54u, nak.TransactionId);
        Assert.Equal(Ipv4Address.Any, nak.YourAddress);
        Assert.Equal(Server, nak.ServerIdentifier);
        Assert.Equal("address not available", nak.Message);
        Assert.Null(nak.LeaseTime);
    }

    [Fact]
    public void OverloadedOptionsAreReadFromFileThenSname()
    {
        DhcpMessage offer = Parse(Bytes(OfferOverloaded));

        Assert.Equal(DhcpMessageType.Offer, offer.MessageType);
        Assert.Equal(Server, offer.ServerIdentifier);                     // from 'file'
        Assert.Equal(120u, offer.LeaseTime);                              // from 'file'
        Assert.Equal(new Ipv4Address(255, 255, 255, 0), offer.SubnetMask); // from 'sname'
        Assert.Equal(Server, offer.Router);                               // from 'sname'
    }

    [Fact]
    public void WithoutOverloadSnameAndFileAreNotReadAsOptions()
    {
        byte[] bytes = Bytes(OfferOverloaded);
        int overload = Array.IndexOf(bytes, (byte)DhcpOptionCode.OptionOverload, DhcpPacket.OptionsOffset);
        bytes[overload] = 200; // an unknown option of the same length: skipped

        DhcpMessage offer = Parse(bytes);

        Assert.Null(offer.ServerIdentifier);
        Assert.Null(offer.SubnetMask);
    }

    [Fact]
    public void AMessageWithoutEndIsReadUpToTheEndOfTheBuffer()
    {
        byte[] bytes = Bytes(Discover);
        int end = Array.IndexOf(bytes, (byte)DhcpOptionCode.End, DhcpPacket.OptionsOffset);

        Assert.Equal(s_discover, Parse(bytes[..end]));
    }

    [Fact]
    public void PadOctetsBetweenOptionsAreSkipped()
    {
        byte[] options = [53, 1, 2, 0, 0, 0, 54, 4, 10, 0, 0, 101, 0, 255];

        DhcpMessage message = Parse(WithOptions(options));

        Assert.Equal(DhcpMessageType.Offer, message.MessageType);
        Assert.Equal(Server, message.ServerIdentifier);
    }

    [Theory]
    [InlineData(new byte[] { 53, 1, 2, 54, 4, 10, 0, 0 })]   // server identifier runs past the end
    [InlineData(new byte[] { 53, 1, 2, 54 })]                // length octet missing
    [InlineData(new byte[] { 53, 1, 2, 12, 255, 0x41 })]     // host name claims 255 bytes
    public void AnOptionRunningPastTheEndMakesTheMessageMalformed(byte[] options)
    {
        Assert.False(DhcpMessage.TryParse(WithOptions(options), out _));
    }

    [Fact]
    public void AnOptionRunningPastAnOverloadedFieldMakesTheMessageMalformed()
    {
        byte[] bytes = Bytes(OfferOverloaded);
        // The last option in 'sname' (router, 4 bytes at the field's end) claims more than the field holds.
        const int SnameOffset = 44;
        bytes[SnameOffset + 7] = 200;

        Assert.False(DhcpMessage.TryParse(bytes, out _));
    }

    [Fact]
    public void KnownOptionsOfTheWrongLengthAreIgnored()
    {
        byte[] options = [53, 1, 5, 1, 3, 255, 255, 255, 51, 2, 0, 120, 54, 4, 10, 0, 0, 101, 53, 2, 1, 1, 255];

        DhcpMessage message = Parse(WithOptions(options));

        Assert.Null(message.SubnetMask);
        Assert.Null(message.LeaseTime);
        Assert.Equal(DhcpMessageType.Ack, message.MessageType); // the malformed second 53 does not replace the first
        Assert.Equal(Server, message.ServerIdentifier);
    }

    [Fact]
    public void TextOptionsLoseTrailingNulsAndControlCharacters()
    {
        byte[] options = [15, 9, (byte)'l', (byte)'a', (byte)'b', 0x1B, (byte)'[', (byte)'2', 0xC3, 0, 0, 255];

        Assert.Equal("lab?[2?", Parse(WithOptions(options)).DomainName);
    }

    [Fact]
    public void ShortNoCookieOrNonEthernetMessagesAreRefused()
    {
        byte[] discover = Bytes(Discover);
        byte[] noCookie = (byte[])discover.Clone();
        noCookie[DhcpPacket.OptionsOffset - 1] ^= 1;
        byte[] badOp = (byte[])discover.Clone();
        badOp[0] = 3;
        byte[] tokenRing = (byte[])discover.Clone();
        tokenRing[1] = 6;
        byte[] longAddress = (byte[])discover.Clone();
        longAddress[2] = 16;

        Assert.False(DhcpMessage.TryParse(discover.AsSpan(0, DhcpPacket.OptionsOffset - 1), out _));
        Assert.True(DhcpMessage.TryParse(discover.AsSpan(0, DhcpPacket.OptionsOffset), out DhcpMessage bare));
        Assert.Null(bare.MessageType);
        Assert.False(DhcpMessage.TryParse(noCookie, out _));
        Assert.False(DhcpMessage.TryParse(badOp, out _));
        Assert.False(DhcpMessage.TryParse(tokenRing, out _));
        Assert.False(DhcpMessage.TryParse(longAddress, out _));
    }

    [Fact]
    public void EqualityComparesListOptionsByValue()
    {
        DhcpMessage copy = s_discover with
        {
            ClientIdentifier = (byte[])s_clientId.Clone(),
            ParameterRequestList = (byte[])s_parameterRequestList.Clone(),
        };
        DhcpMessage other = s_discover with { ParameterRequestList = new byte[] { 1, 3 } };

        Assert.Equal(s_discover, copy);
        Assert.Equal(s_discover.GetHashCode(), copy.GetHashCode());
        Assert.NotEqual(s_discover, other);
        Assert.NotEqual(s_discover, s_discover with { DomainNameServers = new[] { Server } });
    }

    [Fact]
    public void WriterRefusesOptionsThatCannotBeWritten()
    {
        byte[] area = new byte[8];

        Assert.Throws<ArgumentException>(() => new DhcpOptionWriter(area).Write(DhcpOptionCode.Message, new byte[256]));
        Assert.Throws<ArgumentException>(() => new DhcpOptionWriter(area).Write(DhcpOptionCode.Message, new byte[7]));
        Assert.Throws<ArgumentException>(() => new DhcpOptionWriter(area).Write(DhcpOptionCode.Pad, new byte[1]));
        Assert.Throws<ArgumentException>(() => Write(s_discover with { HostName = new string('a', 256) }));
    }

    [Fact]
    public void ReaderReportsEndAndMalformedOptions()
    {
        DhcpOptionReader complete = new([53, 1, 1, 255, 99, 99]);
        Assert.True(complete.TryReadNext(out DhcpOptionCode code, out ReadOnlySpan<byte> data));
        Assert.Equal(DhcpOptionCode.MessageType, code);
        Assert.Equal(1, data.Length);
        Assert.False(complete.TryReadNext(out _, out _));
        Assert.True(complete.EndFound);
        Assert.False(complete.IsMalformed);

        DhcpOptionReader cut = new([53, 1, 1, 54, 4, 10]);
        Assert.True(cut.TryReadNext(out _, out _));
        Assert.False(cut.TryReadNext(out _, out _));
        Assert.True(cut.IsMalformed);
        Assert.False(cut.EndFound);
        Assert.False(cut.TryReadNext(out _, out _)); // stays stopped
    }

    [Theory]
    [InlineData("255.255.255.0", 24)]
    [InlineData("255.255.255.255", 32)]
    [InlineData("255.128.0.0", 9)]
    [InlineData("0.0.0.0", 0)]
    public void ContiguousNetmasksGiveTheirPrefixLength(string mask, int prefix)
    {
        Assert.True(Ipv4Cidr.TryFromNetmask(Leased, Ipv4Address.Parse(mask), out Ipv4Cidr cidr));
        Assert.Equal(new Ipv4Cidr(Leased, prefix), cidr);
    }

    [Theory]
    [InlineData("255.0.255.0")]
    [InlineData("0.255.255.255")]
    [InlineData("255.255.255.1")]
    public void NonContiguousNetmasksAreRefused(string mask)
    {
        Assert.False(Ipv4Cidr.TryFromNetmask(Leased, Ipv4Address.Parse(mask), out Ipv4Cidr cidr));
        Assert.Equal(default, cidr);
    }

    /// <summary>The fixed fields of <see cref="DhcpFixtures.DnsmasqOffer"/> with other options.</summary>
    private static byte[] WithOptions(byte[] options) => [.. Bytes(DnsmasqOffer).AsSpan(0, DhcpPacket.OptionsOffset), .. options];
}
