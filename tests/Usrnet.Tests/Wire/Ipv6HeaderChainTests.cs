using Usrnet.Wire;
using static Usrnet.Tests.Wire.Ipv6Fixtures;

namespace Usrnet.Tests.Wire;

public sealed class Ipv6HeaderChainTests
{
    private const byte HopByHop = 0, Routing = 43, Fragment = 44, NoNext = 59, DestOpts = 60, Icmp6 = 58, Udp = 17;

    /// <summary>An 8-byte upper-layer stand-in (an ICMPv6 echo header's size).</summary>
    private static readonly byte[] Upper = [128, 0, 0, 0, 0, 0, 0, 0];

    private static Ipv6HeaderChain Walk(byte first, params byte[][] parts) => WalkTo(null, first, parts);

    private static Ipv6HeaderChain WalkTo(Ipv6Address? destination, byte first, params byte[][] parts)
    {
        byte[] packet = Packet(first, [.. parts.SelectMany(p => p)], destination);
        Assert.True(Ipv6Packet.TryCreate(packet, out Ipv6Packet view));
        return Ipv6HeaderChain.Walk(view);
    }

    /// <summary>An options header of 8 bytes: next header, length 0, and six bytes of options.</summary>
    private static byte[] Options(byte next, params byte[] options)
    {
        int length = (options.Length + 2 + 7) / 8 * 8;
        byte[] header = new byte[length];
        header[0] = next;
        header[1] = (byte)(length / 8 - 1);
        options.CopyTo(header, 2);
        return header;
    }

    private static byte[] RoutingHeader(byte next, byte type, byte segmentsLeft) => [next, 0, type, segmentsLeft, 0, 0, 0, 0];

    private static byte[] FragmentHeader(byte next, int offset, bool more, uint id = 0xdeadbeef) =>
        [next, 0, (byte)(offset >> 8), (byte)((offset & 0xF8) | (more ? 1 : 0)), (byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id];

    [Fact]
    public void Ipv6HeaderChainWithoutExtensionHeadersEndsAtTheUpperLayer()
    {
        Ipv6HeaderChain chain = Walk(Icmp6, Upper);

        Assert.Equal(Ipv6ChainError.None, chain.Error);
        Assert.Equal(IpProtocol.IcmpV6, chain.UpperLayer);
        Assert.Equal(40, chain.UpperLayerOffset);
        Assert.Equal(6, chain.NextHeaderFieldOffset);
        Assert.Equal(0, chain.HeaderCount);
        Assert.False(chain.HasFragmentHeader);
    }

    [Fact]
    public void Ipv6HeaderChainWalksHopByHopDestinationRoutingAndFragment()
    {
        Ipv6HeaderChain chain = Walk(HopByHop,
            Options(DestOpts, 5, 2, 0, 0, 1, 0), // Router Alert (MLD), PadN
            Options(Routing, 0x1E, 2, 0, 0, 1, 0), // unknown option with action 00: skipped
            RoutingHeader(Fragment, 4, 0), // segments left 0: ignored whatever the type
            FragmentHeader(Icmp6, 0, more: false, id: 7),
            Upper);

        Assert.Equal(Ipv6ChainError.None, chain.Error);
        Assert.Equal(IpProtocol.IcmpV6, chain.UpperLayer);
        Assert.Equal(40 + 32, chain.UpperLayerOffset);
        Assert.Equal(40 + 24, chain.NextHeaderFieldOffset);
        Assert.Equal(4, chain.HeaderCount);
        Assert.True(chain.HasRouterAlert);
        Assert.True(chain.HasFragmentHeader);
        Assert.True(chain.IsAtomicFragment);
        Assert.False(chain.IsFragment);
        Assert.Equal(7u, chain.FragmentIdentification);
        Assert.Equal(40 + 24, chain.FragmentHeaderOffset);
        // The routing header's Next Header field names the fragment header: the last of the unfragmentable part.
        Assert.Equal(40 + 16, chain.FragmentNextHeaderFieldOffset);
    }

    [Fact]
    public void Ipv6HeaderChainRouterAlertOnlyCountsInHopByHop()
    {
        Ipv6HeaderChain chain = Walk(DestOpts, Options(Icmp6, 5, 2, 0, 0, 1, 0), Upper);

        Assert.Equal(Ipv6ChainError.None, chain.Error);
        Assert.False(chain.HasRouterAlert);
    }

    [Fact]
    public void Ipv6HeaderChainStopsAtANonFirstFragment()
    {
        // What follows a fragment at offset 1232 is the middle of the fragmentable part, not headers.
        Ipv6HeaderChain chain = Walk(Fragment, FragmentHeader(Udp, 1232, more: true), [HopByHop, 0, 0, 0, 0, 0, 0, 0]);

        Assert.Equal(Ipv6ChainError.None, chain.Error);
        Assert.True(chain.IsFragment);
        Assert.Equal(1232, chain.FragmentOffset);
        Assert.True(chain.MoreFragments);
        Assert.Equal(0xdeadbeefu, chain.FragmentIdentification);
        Assert.Equal(IpProtocol.Udp, chain.UpperLayer);
        Assert.Equal(48, chain.UpperLayerOffset);
        Assert.Equal(Ipv6Packet.NextHeaderOffset, chain.FragmentNextHeaderFieldOffset);
    }

    [Fact]
    public void Ipv6HeaderChainWalksThroughAFirstFragment()
    {
        Ipv6HeaderChain chain = Walk(Fragment, FragmentHeader(DestOpts, 0, more: true), Options(Udp), Upper);

        Assert.Equal(Ipv6ChainError.None, chain.Error);
        Assert.True(chain.IsFragment);
        Assert.Equal(IpProtocol.Udp, chain.UpperLayer);
        Assert.Equal(56, chain.UpperLayerOffset);
    }

    [Fact]
    public void Ipv6HeaderChainNoNextHeaderEndsTheWalk()
    {
        Ipv6HeaderChain chain = Walk(DestOpts, Options(NoNext), [1, 2, 3]);

        Assert.Equal(Ipv6ChainError.None, chain.Error);
        Assert.Equal((IpProtocol)NoNext, chain.UpperLayer);
    }

    [Theory]
    [InlineData(HopByHop, 7)]
    [InlineData(DestOpts, 0)]
    [InlineData(Routing, 4)]
    [InlineData(Fragment, 7)]
    public void Ipv6HeaderChainRefusesATruncatedHeader(byte type, int length)
    {
        Ipv6HeaderChain chain = Walk(type, new byte[length]);

        Assert.Equal(Ipv6ChainError.Truncated, chain.Error);
        Assert.False(chain.SendParameterProblem);
    }

    [Fact]
    public void Ipv6HeaderChainRefusesAHeaderLengthPastThePayload()
    {
        byte[] header = Options(Icmp6);
        header[1] = 1; // 16 bytes, of which 8 are there

        Assert.Equal(Ipv6ChainError.Truncated, Walk(DestOpts, header).Error);
    }

    [Fact]
    public void Ipv6HeaderChainRefusesHopByHopAfterTheFirstHeader()
    {
        Ipv6HeaderChain chain = Walk(DestOpts, Options(HopByHop), Options(Icmp6), Upper);

        Assert.Equal(Ipv6ChainError.HopByHopNotFirst, chain.Error);
        Assert.True(chain.SendParameterProblem);
        Assert.Equal(IcmpV6ParameterProblemCode.UnrecognizedNextHeader, chain.ParameterProblemCode);
        Assert.Equal(40, chain.ParameterProblemPointer); // the destination options header's Next Header field
    }

    [Fact]
    public void Ipv6HeaderChainBoundsTheNumberOfHeaders()
    {
        byte[][] headers = [.. Enumerable.Range(0, Ipv6HeaderChain.MaxHeaders).Select(_ => Options(DestOpts)), Options(Icmp6), Upper];

        Assert.Equal(Ipv6ChainError.TooManyHeaders, Walk(DestOpts, headers).Error);
        byte[][] allowed = [.. Enumerable.Range(0, Ipv6HeaderChain.MaxHeaders - 1).Select(_ => Options(DestOpts)), Options(Icmp6), Upper];
        Assert.Equal(Ipv6ChainError.None, Walk(DestOpts, allowed).Error);
    }

    [Fact]
    public void Ipv6HeaderChainBoundsTheHeaderBytes()
    {
        // A 1032-byte destination options header of unknown skippable options (6-byte data each).
        byte[] big = new byte[1032];
        big[0] = Icmp6;
        big[1] = (byte)(big.Length / 8 - 1);

        Assert.Equal(Ipv6ChainError.HeadersTooLong, Walk(DestOpts, big, Upper).Error);
    }

    [Fact]
    public void Ipv6HeaderChainRefusesAnOptionPastItsHeader()
    {
        Assert.Equal(Ipv6ChainError.MalformedOption, Walk(DestOpts, Options(Icmp6, 0x1E, 5, 0, 0, 0, 0), Upper).Error);
        // A type octet as the header's last byte has no room for its length.
        Assert.Equal(Ipv6ChainError.MalformedOption, Walk(DestOpts, Options(Icmp6, 1, 2, 0, 0, 0, 0x1E), Upper).Error);
    }

    [Fact]
    public void Ipv6HeaderChainBoundsTheOptionsPerHeader()
    {
        byte[] nine = [.. Enumerable.Repeat(new byte[] { 0x1E, 0 }, 9).SelectMany(o => o)];
        byte[] eight = [.. Enumerable.Repeat(new byte[] { 0x1E, 0 }, 8).SelectMany(o => o)];

        Assert.Equal(Ipv6ChainError.TooManyOptions, Walk(DestOpts, Options(Icmp6, nine), Upper).Error);
        Assert.Equal(Ipv6ChainError.None, Walk(DestOpts, Options(Icmp6, eight), Upper).Error);
    }

    [Fact]
    public void Ipv6HeaderChainBoundsPaddingRuns()
    {
        Assert.Equal(Ipv6ChainError.ExcessivePadding, Walk(DestOpts, Options(Icmp6, 1, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), Upper).Error);
        Assert.Equal(Ipv6ChainError.ExcessivePadding, Walk(DestOpts, Options(Icmp6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), Upper).Error);
        // Six bytes of Pad1 and PadN: the most an 8-byte header needs.
        Assert.Equal(Ipv6ChainError.None, Walk(DestOpts, Options(Icmp6, 0, 0, 1, 2, 0, 0), Upper).Error);
    }

    [Theory]
    [InlineData(0x5E, false, false)] // 01: discard silently
    [InlineData(0x9E, false, true)] // 10: discard and send code 2
    [InlineData(0x9E, true, true)] // 10: even to a multicast destination
    [InlineData(0xDE, false, true)] // 11: send unless multicast
    [InlineData(0xDE, true, false)]
    [InlineData(0xC2, false, true)] // the jumbo payload option (RFC 2675) is not supported
    public void Ipv6HeaderChainActsOnTheTopBitsOfAnUnrecognisedOption(byte type, bool multicast, bool send)
    {
        Ipv6HeaderChain chain = WalkTo(multicast ? Ipv6Address.AllNodes : null, HopByHop, Options(Icmp6, 1, 0, type, 0), Upper);

        Assert.Equal(Ipv6ChainError.UnrecognizedOption, chain.Error);
        Assert.Equal(send, chain.SendParameterProblem);
        if (send)
        {
            Assert.Equal(IcmpV6ParameterProblemCode.UnrecognizedOption, chain.ParameterProblemCode);
            Assert.Equal(40 + 4, chain.ParameterProblemPointer); // the option's type octet
        }
    }

    [Fact]
    public void Ipv6HeaderChainRefusesRoutingType0WithSegmentsLeft()
    {
        // RFC 5095 §3: processed as an unrecognised type, so a parameter problem at the Routing Type field.
        Ipv6HeaderChain chain = Walk(DestOpts, Options(Routing), RoutingHeader(Icmp6, 0, 3), Upper);

        Assert.Equal(Ipv6ChainError.RoutingHeaderType0, chain.Error);
        Assert.Equal(3, chain.SegmentsLeft);
        Assert.True(chain.SendParameterProblem);
        Assert.Equal(IcmpV6ParameterProblemCode.ErroneousHeaderField, chain.ParameterProblemCode);
        Assert.Equal(40 + 8 + 2, chain.ParameterProblemPointer);
        Assert.Equal(Ipv6ChainError.None, Walk(Routing, RoutingHeader(Icmp6, 0, 0), Upper).Error);
    }

    [Fact]
    public void Ipv6HeaderChainRefusesOtherRoutingTypesWithSegmentsLeft()
    {
        Ipv6HeaderChain chain = Walk(Routing, RoutingHeader(Icmp6, 4, 1), Upper);

        Assert.Equal(Ipv6ChainError.UnrecognizedRoutingType, chain.Error);
        Assert.Equal(1, chain.SegmentsLeft);
        Assert.Equal(42, chain.ParameterProblemPointer);
    }

    [Fact]
    public void Ipv6HeaderChainRefusesAFragmentWhoseLengthIsNotAMultipleOf8()
    {
        Ipv6HeaderChain chain = Walk(Fragment, FragmentHeader(Icmp6, 0, more: true), [.. Upper, 1, 2, 3]);

        Assert.Equal(Ipv6ChainError.FragmentLengthNotMultipleOf8, chain.Error);
        Assert.Equal(IcmpV6ParameterProblemCode.ErroneousHeaderField, chain.ParameterProblemCode);
        Assert.Equal(4, chain.ParameterProblemPointer); // the Payload Length field
        // The last fragment may be any length.
        Assert.Equal(Ipv6ChainError.None, Walk(Fragment, FragmentHeader(Icmp6, 8, more: false), [.. Upper, 1, 2, 3]).Error);
    }

    [Fact]
    public void Ipv6HeaderChainRefusesAFragmentReassemblingPast65535()
    {
        // Offset 65528 plus 16 bytes of data is past the largest payload.
        Ipv6HeaderChain chain = Walk(Fragment, FragmentHeader(Udp, 65528, more: false), new byte[16]);

        Assert.Equal(Ipv6ChainError.FragmentBeyondMaxLength, chain.Error);
        Assert.Equal(40 + 2, chain.ParameterProblemPointer); // the Fragment Offset field
        Assert.Equal(Ipv6ChainError.None, Walk(Fragment, FragmentHeader(Udp, 65520, more: false), new byte[7]).Error);
    }

    [Fact]
    public void Ipv6HeaderChainRefusesAFirstFragmentWithAnIncompleteChain()
    {
        // RFC 8200 §4.5, RFC 7112 §5: code 3, pointer 0.
        Ipv6HeaderChain chain = Walk(Fragment, FragmentHeader(DestOpts, 0, more: true), [Icmp6, 1, 0, 0, 0, 0, 0, 0]);

        Assert.Equal(Ipv6ChainError.IncompleteHeaderChain, chain.Error);
        Assert.True(chain.SendParameterProblem);
        Assert.Equal(IcmpV6ParameterProblemCode.IncompleteHeaderChain, chain.ParameterProblemCode);
        Assert.Equal(0, chain.ParameterProblemPointer);
    }

    [Fact]
    public void Ipv6HeaderChainReachesEveryError()
    {
        // Each value of the enum has a test above; this keeps the list honest when a value is added.
        Assert.Equal(14, Enum.GetValues<Ipv6ChainError>().Length);
    }
}
