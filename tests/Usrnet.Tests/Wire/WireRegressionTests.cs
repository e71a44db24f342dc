using Usrnet.Wire;

namespace Usrnet.Tests.Wire;

public sealed class WireRegressionTests
{
    [Theory]
    [InlineData("010.0.0.1")]   // inet_aton reads 8.0.0.1; inet_pton and ip(8) reject it
    [InlineData("0x0a.0.0.1")]  // hexadecimal part
    [InlineData("10.000.0.1")]  // leading zeros
    public void Ipv4AddressRejectsOctalAndHexadecimalParts(string text)
    {
        Assert.False(Ipv4Address.TryParse(text, out Ipv4Address parsed), $"'{text}' parsed as {parsed}");
    }

    [Theory]
    [InlineData(0x2000 * 8)]  // 65536: one past the 13-bit field, would set MF
    [InlineData(-8)]          // would set every flag bit
    public void Ipv4HeaderWriteToRefusesAFragmentOffsetOutsideThirteenBits(int fragmentOffset)
    {
        var header = new Ipv4Header(new Ipv4Address(10, 0, 0, 1), new Ipv4Address(10, 0, 0, 2), IpProtocol.Udp, 0) { FragmentOffset = fragmentOffset };
        byte[] buffer = new byte[Ipv4Header.Length];

        Assert.Throws<InvalidOperationException>(() => header.WriteTo(buffer));
    }
}
