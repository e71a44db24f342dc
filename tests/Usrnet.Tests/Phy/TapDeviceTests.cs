using Usrnet.Phy;

namespace Usrnet.Tests.Phy;

/// <summary>
/// What can be checked without creating a TAP; attaching to real TAPs is the lab tests' job.
/// </summary>
public sealed class TapDeviceTests
{
    [Fact]
    public void OpeningATapThatDoesNotExistThrowsAndCreatesNothing()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        string name = $"usnx{Random.Shared.Next():x8}";

        DeviceException error = Assert.Throws<DeviceException>(() => TapDevice.Open(name));

        Assert.Equal(
            $"tap device '{name}' does not exist in this network namespace (create it with `usrnet lab up` or `ip tuntap add dev {name} mode tap`)",
            error.Message);
        Assert.IsAssignableFrom<IOException>(error);
        Assert.False(Directory.Exists($"/sys/class/net/{name}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("sixteen-chars-xx")]
    [InlineData("tap 0")]
    [InlineData("tap/0")]
    [InlineData("tap:0")]
    [InlineData("..")]
    [InlineData("täp0")]
    public void InvalidInterfaceNamesAreRejectedBeforeAnySystemCall(string name)
    {
        Assert.ThrowsAny<ArgumentException>(() => TapDevice.Open(name));
    }

    [Theory]
    [InlineData(67)]
    [InlineData(65536)]
    public void MtusOutsideWhatIpv4AllowsAreRejected(int mtu)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TapDevice.Open("tap0", mtu));
    }
}
