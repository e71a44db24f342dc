using Usrnet.Wire;

namespace Usrnet.Tests.Dhcp;

/// <summary>
/// Inputs that coverage-guided fuzzing (fuzz/run.sh, target dhcp) found, byte for byte: every message
/// <see cref="DhcpMessage.TryParse"/> accepts must be writable again and parse back to itself.
/// </summary>
public sealed class DhcpFuzzFindingTests
{
    /// <summary>A DHCPREQUEST whose host name (option 12) is seven NULs: it was read as "", which no option can carry.</summary>
    private const string HostNameOfNulsOnly =
        "0101060027cca666000000000a0000b5000000000000000000000000061122334455000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000fffffffb000000000000000000000000000000000000000000000000000000638253633501033d0701061122334455390205dc0c07000000000000000000000000000000000000ff000000";

    /// <summary>A DHCPACK whose message (option 56) is 35 NULs.</summary>
    private const string MessageOfNulsOnly =
        "0101060027cca6660000000000000000000000000000000000000000061109334455000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006382536335010436040a00006532040a0000b53d07010611223344553823000000000000000000000000000000000000000000000000000000000000000000000000";

    [Theory]
    [InlineData(HostNameOfNulsOnly)]
    [InlineData(MessageOfNulsOnly)]
    public void ATextOptionOfNulsOnlyIsIgnoredSoTheMessageWritesBackToItself(string hex)
    {
        Assert.True(DhcpMessage.TryParse(Convert.FromHexString(hex), out DhcpMessage message));
        Assert.Null(message.HostName);
        Assert.Null(message.Message);

        byte[] written = new byte[message.Length];
        message.WriteTo(written);

        Assert.True(DhcpMessage.TryParse(written, out DhcpMessage again));
        Assert.Equal(message, again);
    }

    [Fact]
    public void ANulOnlyTextOptionDoesNotHideAnEarlierOne()
    {
        byte[] buffer = Convert.FromHexString(HostNameOfNulsOnly);
        int cookieEnd = DhcpPacket.OptionsOffset;
        byte[] options = [12, 3, (byte)'l', (byte)'a', (byte)'b', 12, 2, 0, 0, 255];
        options.CopyTo(buffer, cookieEnd);

        Assert.True(DhcpMessage.TryParse(buffer, out DhcpMessage message));
        Assert.Equal("lab", message.HostName); // RFC 2132 §2: text is at least one octet; NULs only is no text
    }
}
