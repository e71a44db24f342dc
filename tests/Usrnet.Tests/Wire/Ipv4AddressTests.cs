using System.Net;
using Usrnet.Wire;

namespace Usrnet.Tests.Wire;

public sealed class Ipv4AddressTests
{
    [Theory]
    [InlineData("10.0.0.102", 0x0A000066u)]
    [InlineData("0.0.0.0", 0u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    [InlineData("192.168.1.254", 0xC0A801FEu)]
    [InlineData("127.0.0.1", 0x7F000001u)]
    public void Ipv4AddressParsesAndFormatsDottedQuads(string text, uint value)
    {
        Assert.True(Ipv4Address.TryParse(text, out Ipv4Address address));

        Assert.Equal(value, address.Value);
        Assert.Equal(text, address.ToString());
        Assert.Equal(address, Ipv4Address.Parse(text));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.1.1")]
    [InlineData("10.0.0.256")]
    [InlineData("10.0.0.-1")]
    [InlineData("10.0..1")]
    [InlineData("a.b.c.d")]
    [InlineData("::1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("10.0.0.1/24")]
    [InlineData("10.0.0.1:80")]
    [InlineData("167772161")] // one 32-bit number, which inet_aton accepts
    public void Ipv4AddressRejectsMalformedText(string? text)
    {
        Assert.False(Ipv4Address.TryParse(text, out Ipv4Address address));
        Assert.Equal(default, address);
    }

    [Fact]
    public void Ipv4AddressParseOfMalformedTextThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => Ipv4Address.Parse("10.0.0.300"));
    }

    [Fact]
    public void Ipv4AddressFromOctetsReadAndWriteAgree()
    {
        var address = new Ipv4Address(10, 0, 1, 2);
        byte[] written = new byte[5];

        address.WriteTo(written);

        Assert.Equal(0x0A000102u, address.Value);
        Assert.Equal([10, 0, 1, 2, 0], written);
        Assert.Equal(address, Ipv4Address.Read(written));
    }

    [Fact]
    public void Ipv4AddressConvertsToAndFromIPAddress()
    {
        var address = new Ipv4Address(10, 0, 0, 102);

        Assert.Equal(IPAddress.Parse("10.0.0.102"), address.ToIPAddress());
        Assert.Equal(address, Ipv4Address.FromIPAddress(IPAddress.Parse("10.0.0.102")));
        Assert.Equal(address, Ipv4Address.FromIPAddress(IPAddress.Parse("10.0.0.102").MapToIPv6()));
        Assert.Throws<ArgumentException>(() => Ipv4Address.FromIPAddress(IPAddress.IPv6Loopback));
    }

    [Theory]
    [InlineData("0.0.0.0", false, false, false, false, true)]
    [InlineData("10.0.0.1", true, false, false, false, false)]
    [InlineData("127.0.0.1", true, false, false, true, false)]
    [InlineData("224.0.0.1", false, false, true, false, false)]
    [InlineData("239.255.255.255", false, false, true, false, false)]
    [InlineData("240.0.0.1", false, false, false, false, false)]
    [InlineData("255.255.255.255", false, true, false, false, false)]
    public void Ipv4AddressClassifiesAddresses(string text, bool unicast, bool broadcast, bool multicast, bool loopback, bool unspecified)
    {
        Ipv4Address address = Ipv4Address.Parse(text);

        Assert.Equal(unicast, address.IsUnicast);
        Assert.Equal(broadcast, address.IsBroadcast);
        Assert.Equal(multicast, address.IsMulticast);
        Assert.Equal(loopback, address.IsLoopback);
        Assert.Equal(unspecified, address.IsUnspecified);
    }
}
