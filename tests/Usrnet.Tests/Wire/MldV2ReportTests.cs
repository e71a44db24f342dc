using Usrnet.Wire;
using static Usrnet.Tests.Wire.Ipv6Fixtures;

namespace Usrnet.Tests.Wire;

public sealed class MldV2ReportTests
{
    [Fact]
    public void MldV2ReportWritesTheExactBytesOfAJoin()
    {
        byte[] packet = new byte[200];
        packet.AsSpan().Fill(0xEE);

        int length = MldV2Report.WritePacket(packet, StackLinkLocal, [Ipv6Address.SolicitedNode(StackLinkLocal)], MldV2RecordType.ChangeToExclude);

        Assert.Equal(Bytes(MldV2ReportPacket), packet[..length]);
    }

    [Fact]
    public void MldV2ReportParsesBackWithRouterAlertAndChecksum()
    {
        Ipv6Address[] groups = [Ipv6Address.AllNodes, Ipv6Address.SolicitedNode(StackLinkLocal), Ipv6Address.SolicitedNode(PeerLinkLocal)];
        byte[] packet = new byte[MldV2Report.Overhead + groups.Length * MldV2Report.RecordLength];

        int length = MldV2Report.WritePacket(packet, Ipv6Address.Unspecified, groups, MldV2RecordType.ModeIsExclude);

        Assert.Equal(packet.Length, length);
        Assert.True(Ipv6Packet.TryCreate(packet, out Ipv6Packet view));
        Assert.Equal(MldV2Report.HopLimit, view.HopLimit);
        Assert.Equal(Ipv6Address.AllMldv2Routers, view.Destination);
        Ipv6HeaderChain chain = Ipv6HeaderChain.Walk(view);
        Assert.Equal(Ipv6ChainError.None, chain.Error);
        Assert.True(chain.HasRouterAlert);
        Assert.Equal(IpProtocol.IcmpV6, chain.UpperLayer);
        Span<byte> message = packet.AsSpan(chain.UpperLayerOffset);
        Assert.True(IcmpV6Message.TryParse(message, Ipv6Address.Unspecified, Ipv6Address.AllMldv2Routers, out IcmpV6Message header));
        Assert.Equal(IcmpV6Type.MulticastListenerReportV2, header.Type);
        Assert.Equal((uint)groups.Length, header.RestOfHeader);
        for (int i = 0; i < groups.Length; i++)
        {
            Span<byte> record = message.Slice(MldV2Report.ReportHeaderLength + i * MldV2Report.RecordLength, MldV2Report.RecordLength);
            Assert.Equal((byte)MldV2RecordType.ModeIsExclude, record[0]);
            Assert.Equal(groups[i], Ipv6Address.Read(record[4..]));
        }
    }

    [Fact]
    public void MldV2ReportCountsTheRecordsAnMtuHolds()
    {
        Assert.Equal((1280 - 56) / 20, MldV2Report.MaxRecords(1280));
        Assert.Equal(0, MldV2Report.MaxRecords(40));
        Assert.Throws<ArgumentException>(() => MldV2Report.WritePacket(new byte[MldV2Report.Overhead + 19], StackLinkLocal, [Ipv6Address.AllNodes], MldV2RecordType.ChangeToInclude));
    }
}
