using Usrnet.Sockets.Dhcp;

namespace Usrnet.Iface;

public sealed partial class Interface
{
    /// <summary>
    /// The owner's side of a <see cref="DhcpClient"/> event (the client never changes the interface itself,
    /// docs/articles/design.md §2): a new or renewed lease sets the address (announced with gratuitous ARP when it is new)
    /// and the gateway; a lost lease removes both, so traffic stops using the address. Other events
    /// change nothing here.
    /// </summary>
    public void Apply(DhcpEvent dhcpEvent)
    {
        ArgumentNullException.ThrowIfNull(dhcpEvent);
        switch (dhcpEvent)
        {
            case DhcpConfigured { Configuration: var c }:
                SetAddress(c.Address);
                Gateway = c.Gateway;
                break;
            case DhcpRenewed { Configuration: var c }:
                SetAddress(c.Address);
                Gateway = c.Gateway;
                break;
            case DhcpDeconfigured:
                SetAddress(null);
                Gateway = null;
                break;
        }
    }
}
