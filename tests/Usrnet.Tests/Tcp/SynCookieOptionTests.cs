using Usrnet.Sockets.Tcp;

namespace Usrnet.Tests.Tcp;

/// <summary>The SYN's options in a cookie's timestamp, as Linux's cookie_init_timestamp puts them.</summary>
public class SynCookieOptionTests
{
    [Theory]
    [InlineData(0, false)]
    [InlineData(7, true)]
    [InlineData(14, true)]
    [InlineData(null, true)]
    [InlineData(null, false)]
    public void OptionsComeBackFromTheEchoedTimestamp(int? scale, bool sack)
    {
        uint value = TcpSynCookies.EncodeOptions(1_000_000, (byte?)scale, sack);
        TcpSynCookies.DecodeOptions(value, out byte? decodedScale, out bool decodedSack);
        Assert.Equal((byte?)scale, decodedScale);
        Assert.Equal(sack, decodedSack);
    }

    [Fact]
    public void TheTimestampNeverRunsAheadOfTheClock()
    {
        // The clock's low bits are below the options (0x00 < 0x17): the value steps back 64 rather than forward.
        Assert.Equal(1_000_000u - 64 + 0x17, TcpSynCookies.EncodeOptions(1_000_000, 7, true)); // 1_000_000 = 0xF4240: low 6 bits 0
        Assert.Equal(0xF427Fu & ~0x3Fu | 0x17, TcpSynCookies.EncodeOptions(0xF427F, 7, true));
        Assert.Equal(uint.MaxValue - 63 + 0x0F, TcpSynCookies.EncodeOptions(5, null, false)); // across the wrap
    }

    [Fact]
    public void AScaleAboveTheMaximumIsCapped()
    {
        TcpSynCookies.DecodeOptions(TcpSynCookies.EncodeOptions(1 << 20, 20, false), out byte? scale, out _);
        Assert.Equal((byte)14, scale);
    }
}
