using Usrnet.Sockets.Tcp;

namespace Usrnet.Tests.Tcp;

public class SipHashTests
{
    private static byte[] Sequence(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)i)];

    /// <summary>The paper's worked example (Appendix A): key 00..0f, message 00..0e.</summary>
    [Fact]
    public void ThePapersExampleHashesToItsPublishedValue() =>
        Assert.Equal(0xa129ca6149be45e5UL, new SipHash(Sequence(16)).Hash(Sequence(15)));

    /// <summary>The reference implementation's first vectors (vectors.h): key 00..0f, messages 00..(n-1).</summary>
    [Theory]
    [InlineData(0, 0x726fdb47dd0e0e31UL)]
    [InlineData(1, 0x74f839c593dc67fdUL)]
    [InlineData(8, 0x93f5f5799a932462UL)]
    public void TheReferenceVectorsMatch(int length, ulong expected) =>
        Assert.Equal(expected, new SipHash(Sequence(16)).Hash(Sequence(length)));

    [Fact]
    public void TheKeyChangesTheHash() =>
        Assert.NotEqual(new SipHash(Sequence(16)).Hash(Sequence(21)), new SipHash(new byte[16]).Hash(Sequence(21)));
}
