using Usrnet.Wire;

namespace Usrnet.Tests.Wire;

public sealed class Ipv4CidrTests
{
    [Theory]
    [InlineData("10.0.0.102/24", "255.255.255.0", "10.0.0.0", "10.0.0.255")]
    [InlineData("10.0.17.5/20", "255.255.240.0", "10.0.16.0", "10.0.31.255")]
    [InlineData("172.16.5.4/12", "255.240.0.0", "172.16.0.0", "172.31.255.255")]
    [InlineData("10.1.2.3/8", "255.0.0.0", "10.0.0.0", "10.255.255.255")]
    [InlineData("192.168.1.65/30", "255.255.255.252", "192.168.1.64", "192.168.1.67")]
    [InlineData("10.0.0.1/0", "0.0.0.0", "0.0.0.0", "255.255.255.255")]
    public void Ipv4CidrComputesNetmaskNetworkAndBroadcast(string text, string netmask, string network, string broadcast)
    {
        Ipv4Cidr cidr = Ipv4Cidr.Parse(text);

        Assert.Equal(Ipv4Address.Parse(netmask), cidr.Netmask);
        Assert.Equal(Ipv4Address.Parse(network), cidr.Network);
        Assert.Equal(Ipv4Address.Parse(broadcast), cidr.DirectedBroadcast);
        Assert.Equal(text, cidr.ToString());
    }

    [Fact]
    public void Ipv4CidrSlash31HasNoBroadcastAndHoldsTwoAddresses()
    {
        // RFC 3021: both addresses of a /31 are hosts.
        Ipv4Cidr cidr = Ipv4Cidr.Parse("10.0.0.4/31");

        Assert.Null(cidr.DirectedBroadcast);
        Assert.Equal(Ipv4Address.Parse("255.255.255.254"), cidr.Netmask);
        Assert.True(cidr.Contains(Ipv4Address.Parse("10.0.0.4")));
        Assert.True(cidr.Contains(Ipv4Address.Parse("10.0.0.5")));
        Assert.False(cidr.Contains(Ipv4Address.Parse("10.0.0.6")));
        Assert.False(cidr.Contains(Ipv4Address.Parse("10.0.0.3")));
    }

    [Fact]
    public void Ipv4CidrSlash32HasNoBroadcastAndHoldsOnlyItself()
    {
        Ipv4Cidr cidr = Ipv4Cidr.Parse("10.0.0.102/32");

        Assert.Null(cidr.DirectedBroadcast);
        Assert.Equal(Ipv4Address.Broadcast, cidr.Netmask);
        Assert.Equal(Ipv4Address.Parse("10.0.0.102"), cidr.Network);
        Assert.True(cidr.Contains(Ipv4Address.Parse("10.0.0.102")));
        Assert.False(cidr.Contains(Ipv4Address.Parse("10.0.0.103")));
    }

    [Fact]
    public void Ipv4CidrContainsExactlyItsSubnet()
    {
        Ipv4Cidr cidr = Ipv4Cidr.Parse("10.0.0.102/24");

        Assert.True(cidr.Contains(Ipv4Address.Parse("10.0.0.0")));
        Assert.True(cidr.Contains(Ipv4Address.Parse("10.0.0.1")));
        Assert.True(cidr.Contains(Ipv4Address.Parse("10.0.0.255")));
        Assert.False(cidr.Contains(Ipv4Address.Parse("10.0.1.2")));
        Assert.False(cidr.Contains(Ipv4Address.Parse("9.255.255.255")));
        Assert.False(cidr.Contains(Ipv4Address.Parse("11.0.0.102")));
    }

    [Fact]
    public void Ipv4CidrSlash0ContainsEverything()
    {
        Ipv4Cidr cidr = Ipv4Cidr.Parse("0.0.0.0/0");

        Assert.True(cidr.Contains(Ipv4Address.Any));
        Assert.True(cidr.Contains(Ipv4Address.Broadcast));
        Assert.True(cidr.Contains(Ipv4Address.Parse("10.0.0.1")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("10.0.0.1")]
    [InlineData("10.0.0.1/")]
    [InlineData("10.0.0.1/33")]
    [InlineData("10.0.0.1/-1")]
    [InlineData("10.0.0.1/+8")]
    [InlineData("10.0.0.1/ 8")]
    [InlineData("10.0.0.1/8 ")]
    [InlineData("10.0.0.1/2a")]
    [InlineData("10.0.0.1/24/1")]
    [InlineData("10.0.0.1/99999999999")]
    [InlineData("10.0.0/8")]
    [InlineData("/24")]
    [InlineData("10.0.0.256/24")]
    public void Ipv4CidrRejectsMalformedText(string? text)
    {
        Assert.False(Ipv4Cidr.TryParse(text, out Ipv4Cidr cidr));
        Assert.Equal(default, cidr);
    }

    [Fact]
    public void Ipv4CidrParseOfMalformedTextThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => Ipv4Cidr.Parse("10.0.0.1/33"));
    }
}
