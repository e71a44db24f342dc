using System.Net;
using Usrnet.Wire;

namespace Usrnet.Tests.Wire;

public sealed class Ipv6AddressTests
{
    private static Ipv6Address A(string text) => Ipv6Address.FromIPAddress(IPAddress.Parse(text));

    [Fact]
    public void Ipv6AddressWellKnownConstantsAreTheRfcAddresses()
    {
        Assert.Equal(A("::"), Ipv6Address.Unspecified);
        Assert.Equal(A("::1"), Ipv6Address.Loopback);
        Assert.Equal(A("ff02::1"), Ipv6Address.AllNodes);
        Assert.Equal(A("ff02::2"), Ipv6Address.AllRouters);
        Assert.Equal(A("ff02::16"), Ipv6Address.AllMldv2Routers);
        Assert.Equal(A("fd00:0:0:1::2"), new Ipv6Address(0xfd00, 0, 0, 1, 0, 0, 0, 2));
        Assert.True(Ipv6Address.Unspecified.IsUnspecified);
        Assert.True(Ipv6Address.Loopback.IsLoopback);
    }

    [Theory]
    [InlineData("fe80::1", true, false, 0)]
    [InlineData("febf:ffff::1", true, false, 0)]
    [InlineData("fec0::1", false, false, 0)]
    [InlineData("fd00::1", false, false, 0)]
    [InlineData("ff02::1", false, true, 2)]
    [InlineData("ff01::1", false, true, 1)]
    [InlineData("ff05::1:3", false, true, 5)]
    [InlineData("ff1e::1", false, true, 14)]
    public void Ipv6AddressClassifiesLinkLocalAndMulticastWithScope(string text, bool linkLocal, bool multicast, int scope)
    {
        Ipv6Address address = A(text);

        Assert.Equal(linkLocal, address.IsLinkLocal);
        Assert.Equal(multicast, address.IsMulticast);
        Assert.Equal(scope, address.MulticastScope);
    }

    [Fact]
    public void Ipv6AddressRecognisesIpv4Mapped()
    {
        Assert.True(A("::ffff:10.0.0.1").IsIpv4Mapped);
        Assert.False(A("::10.0.0.1").IsIpv4Mapped);
    }

    [Theory]
    [InlineData("fe80::200:ff:fe00:1", "ff02::1:ff00:1")]
    [InlineData("fd00:0:0:1:abcd:ef12:3456:789a", "ff02::1:ff56:789a")]
    [InlineData("::", "ff02::1:ff00:0")]
    public void Ipv6AddressSolicitedNodeKeepsTheLow24Bits(string address, string group)
    {
        // RFC 4291 §2.7.1: ff02:0:0:0:0:1:ffXX:XXXX.
        Assert.Equal(A(group), Ipv6Address.SolicitedNode(A(address)));
    }

    [Fact]
    public void Ipv6AddressModifiedEui64InsertsFffeAndInvertsTheUniversalLocalBit()
    {
        // RFC 4291 Appendix A: 34:56:78:9a:bc:de -> 3656:78ff:fe9a:bcde; 02:... has the bit set, so it clears.
        Assert.Equal(0x365678FFFE9ABCDEUL, Ipv6Address.ModifiedEui64(EthernetAddress.Parse("34:56:78:9a:bc:de")));
        Assert.Equal(0x000000FFFE000001UL, Ipv6Address.ModifiedEui64(EthernetAddress.Parse("02:00:00:00:00:01")));
    }

    [Fact]
    public void Ipv6AddressLinkLocalFromMacIsWhatLinuxGives()
    {
        // ip -6 addr on a tap with 02:00:00:00:00:01 shows fe80::ff:fe00:1 (addr_gen_mode eui64).
        Assert.Equal(A("fe80::ff:fe00:1"), Ipv6Address.LinkLocalFromMac(EthernetAddress.Parse("02:00:00:00:00:01")));
        Ipv6Address slaac = Ipv6Address.FromInterfaceIdentifier(A("fd00:0:0:1:ffff::9"), 0x0211_22FF_FE33_4455);
        Assert.Equal(A("fd00:0:0:1:211:22ff:fe33:4455"), slaac);
        Assert.Equal(0x0211_22FF_FE33_4455UL, slaac.InterfaceIdentifier);
    }

    [Theory]
    [InlineData("ff02::1", "33:33:00:00:00:01")]
    [InlineData("ff02::1:ff00:1", "33:33:ff:00:00:01")]
    [InlineData("ff02::16", "33:33:00:00:00:16")]
    [InlineData("ff05::dead:beef", "33:33:de:ad:be:ef")]
    public void EthernetAddressMapsIpv6MulticastTo3333(string group, string mac)
    {
        // RFC 2464 §7: 33:33 followed by the last four octets of the group.
        EthernetAddress mapped = EthernetAddress.FromIpv6Multicast(A(group));

        Assert.Equal(EthernetAddress.Parse(mac), mapped);
        Assert.True(mapped.IsMulticast);
    }

    [Theory]
    [InlineData("fd00:0:0:1::2/64", "fd00:0:0:1::", "fd00:0:0:1:ffff::1", "fd00:0:0:2::1")]
    [InlineData("2001:db8:abcd:12::1/48", "2001:db8:abcd::", "2001:db8:abcd:ffff::", "2001:db8:abce::")]
    [InlineData("fe80::1/10", "fe80::", "febf::1", "fec0::")]
    [InlineData("fd00::5/128", "fd00::5", "fd00::5", "fd00::6")]
    [InlineData("fd00::5/0", "::", "2001:db8::1", null)]
    public void Ipv6CidrComputesNetworkAndContains(string text, string network, string inside, string? outside)
    {
        Ipv6Cidr cidr = Ipv6Cidr.Parse(text);

        Assert.Equal(A(network), cidr.Network);
        Assert.True(cidr.Contains(A(inside)));
        if (outside is not null)
        {
            Assert.False(cidr.Contains(A(outside)));
        }
        Assert.Equal(text, cidr.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("fd00::1")]
    [InlineData("fd00::1/129")]
    [InlineData("fd00::1/-1")]
    [InlineData("fd00::1/ 64")]
    [InlineData("10.0.0.1/24")]
    [InlineData("fd00::g/64")]
    public void Ipv6CidrRefusesMalformedText(string? text)
    {
        Assert.False(Ipv6Cidr.TryParse(text, out _));
        if (text is not null)
        {
            Assert.Throws<FormatException>(() => Ipv6Cidr.Parse(text));
        }
    }

    [Fact]
    public void Ipv6EndpointConvertsAndPrintsInBrackets()
    {
        var endpoint = new Ipv6Endpoint(A("fd00::2"), 8000);

        Assert.Equal("[fd00::2]:8000", endpoint.ToString());
        Assert.Equal(new IPEndPoint(IPAddress.Parse("fd00::2"), 8000), endpoint.ToIPEndPoint());
        Assert.Equal(endpoint, Ipv6Endpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("fd00::2"), 8000)));
        Assert.Throws<ArgumentException>(() => Ipv6Endpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Loopback, 1)));
    }
}
