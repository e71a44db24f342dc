using System.CommandLine;
using Usrnet.Cli;
using Usrnet.Cli.Lab;
using Usrnet.Wire;

namespace Usrnet.LabTests;

/// <summary>The stack options every stack command shares (docs/articles/design.md §4), parsed in-process.</summary>
public sealed class StackOptionsTests
{
    [Fact]
    public void DefaultsAreTheLabTopology()
    {
        StackSettings settings = Read();

        Assert.Equal(LabTopology.DefaultTapName, settings.TapName);
        Assert.Equal(LabTopology.StackMac, settings.Mac);
        Assert.Equal(LabTopology.StackCidr, settings.Address);
        Assert.Equal(LabTopology.Gateway, settings.Gateway);
        Assert.Null(settings.PcapPath);
        Assert.False(settings.Faults.IsEnabled);
        Assert.Null(settings.Faults.Seed);
        Assert.False(settings.Verbose);
        Assert.True(settings.Offload);
        Assert.Equal("test: ", settings.MessagePrefix);
    }

    [Theory]
    [InlineData(new[] { "--drop-chance", "0.1" }, false)]            // faults act on wire frames: plain by default
    [InlineData(new[] { "--dup-chance", "0.1", "--offload", "on" }, true)] // unless offloads are asked for
    [InlineData(new[] { "--offload", "off" }, false)]
    [InlineData(new[] { "--offload", "ON" }, true)]
    public void OffloadsAreOnUnlessTurnedOffOrFaultsAreInjected(string[] args, bool offload)
    {
        Assert.Equal(offload, Read(args).Offload);
    }

    [Fact]
    public void EveryOptionIsRead()
    {
        string pcap = Path.Combine(Path.GetTempPath(), "usrnet-test.pcap");

        StackSettings settings = Read(
            "--tap", "tap7", "--mac", "02:00:00:00:00:01", "--ip", "192.168.5.9/16", "--gateway", "192.168.0.1", "--pcap", pcap,
            "--drop-chance", "0.1", "--corrupt-chance", "0.2", "--reorder-chance", "0.3", "--dup-chance", "1", "--seed", "42", "--verbose", "--offload", "off");

        Assert.Equal(
            new StackSettings("tap7", EthernetAddress.Parse("02:00:00:00:00:01"), Ipv4Cidr.Parse("192.168.5.9/16"), Ipv4Address.Parse("192.168.0.1"), pcap, new FaultSettings(0.1, 0.2, 0.3, 1, 42), Verbose: true, Offload: false) { MessagePrefix = "test: " },
            settings);
        Assert.True(settings.Faults.IsEnabled);
    }

    [Fact]
    public void GatewayNoneMeansNoDefaultRoute() => Assert.Null(Read("--gateway", "none").Gateway);

    [Theory]
    [InlineData("--mac", "06:11:22:33:44", "--mac")]
    [InlineData("--mac", "01:00:5e:00:00:01", "unicast")]
    [InlineData("--mac", "00:00:00:00:00:00", "unicast")]
    [InlineData("--ip", "10.0.0.102", "prefix")]
    [InlineData("--ip", "10.0.0.300/24", "--ip")]
    [InlineData("--ip", "10.0.0.102/33", "--ip")]
    [InlineData("--ip", "10.0.0.0/24", "network or broadcast")]
    [InlineData("--ip", "224.0.0.1/24", "--ip")]
    [InlineData("--gateway", "10.0.1.1", "unreachable")]
    [InlineData("--gateway", "10.0.0.102", "--gateway")]
    [InlineData("--gateway", "gw", "--gateway")]
    [InlineData("--tap", "a-name-longer-than-15", "--tap")]
    [InlineData("--tap", "a/b", "--tap")]
    [InlineData("--drop-chance", "1.5", "--drop-chance")]
    [InlineData("--dup-chance", "-0.1", "--dup-chance")]
    [InlineData("--reorder-chance", "NaN", "--reorder-chance")]
    [InlineData("--pcap", "/nonexistent-dir/x.pcap", "does not exist")]
    [InlineData("--offload", "x", "--offload: 'x' is not on or off")]
    public void BadValuesAreUsageErrorsNamingTheOption(string option, string value, string expected)
    {
        CliError error = Assert.Throws<CliError>(() => Read(option, value));

        Assert.Equal(CliError.UsageExitCode, error.ExitCode);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    private static StackSettings Read(params string[] args)
    {
        StackOptions stack = new();
        Command command = new("test");
        stack.AddTo(command);
        ParseResult parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        return stack.Read(parse);
    }
}
