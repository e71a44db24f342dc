namespace Usrnet.LabTests;

/// <summary>
/// The suite's mode switch (<see cref="OffloadMode"/>, <c>USRNET_OFFLOAD=off|on</c>): it adds
/// <c>--offload MODE</c> to every stack command and to nothing else, and never overrides a test that
/// chose a mode itself. Runs the built CLI's <c>--help</c> only: no lab, no root.
/// </summary>
public sealed class OffloadModeSwitch
{
    /// <summary>Every command that runs a stack (on a tap, or two over the in-memory link), with the arguments a test would give it.</summary>
    public static TheoryData<string[]> StackCommands =>
    [
        ["up"],
        ["dhcp", "--timeout", "5"],
        ["ping", "-c", "1", "10.0.0.101"],
        ["arping", "-c", "1", "10.0.0.101"],
        ["traceroute", "10.0.1.2"],
        ["udp-echo", "7"],
        ["udp-cat", "10.0.0.101", "9"],
        ["tcp-echo", "7"],
        ["tcp-cat", "10.0.0.101", "9"],
        ["dig", "@10.0.0.101", "far.example.test"],
        ["http-get", "http://10.0.1.2:8080/"],
        ["serve", "8080", "--root", "/tmp"],
        ["bench", "reader", "--bytes", "1000"],
        ["bench", "writer", "--bytes", "1000"],
        ["bench", "soak", "--interval", "1"],
        ["bench", "in-process", "--bytes", "1000"],
        ["bench", "async", "--bytes", "1000"],
    ];

    /// <summary>Commands without a stack mode: the lab's own, the SYN benchmark, help, a mistyped name.</summary>
    public static TheoryData<string[]> OtherCommands =>
    [
        ["lab", "up", "--ns", "x"],
        ["lab", "down", "--ns", "x"],
        ["bench", "syn"],
        ["--version"],
        ["tcp-echo", "--help"],
        ["no-such-command", "7"],
    ];

    [Theory]
    [MemberData(nameof(StackCommands))]
    public void AStackCommandGetsTheModeAtTheEnd(string[] args)
    {
        Assert.Equal([.. args, OffloadMode.Option, OffloadMode.Off], OffloadMode.Apply(args, OffloadMode.Off));
        Assert.Equal([.. args, OffloadMode.Option, OffloadMode.On], OffloadMode.Apply(args, OffloadMode.On));
    }

    [Theory]
    [MemberData(nameof(OtherCommands))]
    public void AnyOtherCommandIsLeftAlone(string[] args) => Assert.Equal(args, OffloadMode.Apply(args, OffloadMode.Off));

    [Fact]
    public void AModeTheTestChoseIsKept()
    {
        Assert.Equal(["tcp-echo", "7", "--offload", "on"], OffloadMode.Apply(["tcp-echo", "7", "--offload", "on"], OffloadMode.Off));
        Assert.Equal(["up", "--offload=on"], OffloadMode.Apply(["up", "--offload=on"], OffloadMode.Off));
    }

    [Fact]
    public void WithoutAModeNothingIsAdded() => Assert.Equal(["tcp-echo", "7"], OffloadMode.Apply(["tcp-echo", "7"], null));

    [Fact]
    public void TheModeGoesBeforeADoubleDash() =>
        Assert.Equal(["tcp-cat", "--offload", "off", "--", "10.0.0.101", "9"], OffloadMode.Apply(["tcp-cat", "--", "10.0.0.101", "9"], OffloadMode.Off));
}
