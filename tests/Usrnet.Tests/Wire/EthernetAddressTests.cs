using Usrnet.Wire;

namespace Usrnet.Tests.Wire;

public sealed class EthernetAddressTests
{
    [Theory]
    [InlineData("02:00:00:00:00:01", "02:00:00:00:00:01")]
    [InlineData("02-00-00-00-00-01", "02:00:00:00:00:01")]
    [InlineData("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff")]
    [InlineData("2:0:0:0:0:1", "02:00:00:00:00:01")]
    [InlineData("ff:ff:ff:ff:ff:ff", "ff:ff:ff:ff:ff:ff")]
    [InlineData("00:00:00:00:00:00", "00:00:00:00:00:00")]
    public void EthernetAddressParsesAndFormatsInLowerCaseWithColons(string text, string formatted)
    {
        Assert.True(EthernetAddress.TryParse(text, out EthernetAddress address));

        Assert.Equal(formatted, address.ToString());
        Assert.Equal(address, EthernetAddress.Parse(formatted));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("02:00:00:00:00")]
    [InlineData("02:00:00:00:00:01:02")]
    [InlineData("02:00:00:00:00:0g")]
    [InlineData("002:00:00:00:00:01")]
    [InlineData("02::00:00:00:00")]
    [InlineData("02:00:00:00:00:")]
    [InlineData(" 02:00:00:00:00:01")]
    [InlineData("02:00:00:00:00:01 ")]
    [InlineData("0x2:00:00:00:00:01")]
    [InlineData("+2:00:00:00:00:01")]
    [InlineData("020000000001")]
    [InlineData("02.00.00.00.00.01")]
    public void EthernetAddressRejectsMalformedText(string? text)
    {
        Assert.False(EthernetAddress.TryParse(text, out EthernetAddress address));
        Assert.Equal(default, address);
    }

    [Fact]
    public void EthernetAddressParseOfMalformedTextThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => EthernetAddress.Parse("not a mac"));
    }

    [Fact]
    public void EthernetAddressReadsAndWritesSixBytesInNetworkOrder()
    {
        byte[] bytes = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x99];
        EthernetAddress address = EthernetAddress.Read(bytes);
        byte[] written = new byte[7];
        written[6] = 0x77;

        address.WriteTo(written);

        Assert.Equal("02:11:22:33:44:55", address.ToString());
        Assert.Equal([0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x77], written);
    }

    [Fact]
    public void EthernetAddressClassifiesBroadcastMulticastAndUnicast()
    {
        EthernetAddress multicast = EthernetAddress.Parse("01:00:5e:00:00:01");
        EthernetAddress unicast = EthernetAddress.Parse("02:00:00:00:00:01");

        Assert.True(EthernetAddress.Broadcast.IsBroadcast);
        Assert.True(EthernetAddress.Broadcast.IsMulticast);
        Assert.False(EthernetAddress.Broadcast.IsUnicast);
        Assert.False(multicast.IsBroadcast);
        Assert.True(multicast.IsMulticast);
        Assert.False(multicast.IsUnicast);
        Assert.True(unicast.IsUnicast);
        Assert.False(unicast.IsMulticast);
        Assert.False(EthernetAddress.Zero.IsUnicast);
        Assert.False(EthernetAddress.Zero.IsMulticast);
        Assert.Equal(EthernetAddress.Parse("00:00:00:00:00:00"), EthernetAddress.Zero);
    }
}
