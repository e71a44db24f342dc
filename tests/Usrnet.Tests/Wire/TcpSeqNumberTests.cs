using Usrnet.Wire;

namespace Usrnet.Tests.Wire;

public sealed class TcpSeqNumberTests
{
    private static TcpSeqNumber S(uint value) => new(value);

    [Fact]
    public void TcpSeqNumberAdditionWrapsAroundModulo2To32()
    {
        Assert.Equal(S(4), S(0xFFFF_FFFE) + 6);
        Assert.Equal(S(0), S(0xFFFF_FFFF) + 1);
        Assert.Equal(S(0xFFFF_FFFF), S(0) + -1);
        Assert.Equal(S(0x8000_0000), S(0x7FFF_FFFF) + 1);
    }

    [Fact]
    public void TcpSeqNumberSubtractionOfACountWrapsBelowZero()
    {
        Assert.Equal(S(0xFFFF_FFFB), S(5) - 10);
        Assert.Equal(S(15), S(5) - -10);
        Assert.Equal(S(0x7FFF_FFFF), S(0x8000_0000) - 1);
    }

    [Theory]
    [InlineData(5u, 0xFFFF_FFFBu, 10)]
    [InlineData(0xFFFF_FFFBu, 5u, -10)]
    [InlineData(100u, 100u, 0)]
    [InlineData(0x7FFF_FFFFu, 0u, int.MaxValue)]
    [InlineData(0u, 0x7FFF_FFFFu, -int.MaxValue)]
    public void TcpSeqNumberDifferenceIsTheSignedDistanceAcrossTheWrap(uint a, uint b, int expected)
    {
        Assert.Equal(expected, S(a) - S(b));
        Assert.Equal(S(a), S(b) + (S(a) - S(b)));
    }

    [Theory]
    [InlineData(1u, 2u)]
    [InlineData(0xFFFF_FFFFu, 0u)]
    [InlineData(0xFFFF_FFF0u, 0x10u)]
    [InlineData(0x7FFF_FFFFu, 0x8000_0000u)]
    [InlineData(0u, 0x7FFF_FFFFu)]
    [InlineData(0x8000_0001u, 0u)]
    public void TcpSeqNumberComparesBySignedDistanceAcrossTheWrap(uint earlier, uint later)
    {
        TcpSeqNumber a = S(earlier);
        TcpSeqNumber b = S(later);

        Assert.True(a < b);
        Assert.True(a <= b);
        Assert.False(a > b);
        Assert.False(a >= b);
        Assert.True(b > a);
        Assert.True(b >= a);
        Assert.False(b < a);
        Assert.False(b <= a);
        Assert.Equal(b, TcpSeqNumber.Max(a, b));
        Assert.Equal(b, TcpSeqNumber.Max(b, a));
        Assert.Equal(a, TcpSeqNumber.Min(a, b));
        Assert.Equal(a, TcpSeqNumber.Min(b, a));
    }

    [Fact]
    public void TcpSeqNumberEqualNumbersAreBothLessOrEqualAndGreaterOrEqual()
    {
        TcpSeqNumber a = S(0xFFFF_FFFF);
        TcpSeqNumber b = S(0xFFFF_FFFF);

        Assert.True(a == b);
        Assert.True(a <= b);
        Assert.True(a >= b);
        Assert.False(a < b);
        Assert.False(a > b);
    }

    [Fact]
    public void TcpSeqNumbersExactlyHalfTheSpaceApartCompareAsEachBeforeTheOther()
    {
        // RFC 1982 §3.2 leaves this undefined; signed distance makes both "less than". TCP windows are
        // at most 2^30 bytes (RFC 7323 §2.3), so the case never arises.
        TcpSeqNumber a = S(0);
        TcpSeqNumber b = S(0x8000_0000);

        Assert.Equal(int.MinValue, a - b);
        Assert.Equal(int.MinValue, b - a);
        Assert.True(a < b);
        Assert.True(b < a);
    }

    [Fact]
    public void TcpSeqNumberArithmeticAgreesWithRandomDistances()
    {
        var random = new Random(9293);
        for (int i = 0; i < 100_000; i++)
        {
            TcpSeqNumber a = S((uint)random.NextInt64(0, 1L << 32));
            int distance = random.Next(int.MinValue + 1, int.MaxValue);
            TcpSeqNumber b = a + distance;

            Assert.Equal(distance, b - a);
            Assert.Equal(-distance, a - b);
            Assert.Equal(a, b - distance);
            Assert.Equal(distance > 0, b > a);
            Assert.Equal(distance < 0, b < a);
            Assert.Equal(distance >= 0, b >= a);
            Assert.Equal(distance <= 0, b <= a);
            Assert.Equal(distance >= 0 ? b : a, TcpSeqNumber.Max(a, b));
            Assert.Equal(distance >= 0 ? a : b, TcpSeqNumber.Min(a, b));
        }
    }

    [Fact]
    public void TcpSeqNumberPrintsAsAnUnsignedDecimal()
    {
        Assert.Equal("4294967295", S(0xFFFF_FFFF).ToString());
        Assert.Equal("0", default(TcpSeqNumber).ToString());
    }
}
