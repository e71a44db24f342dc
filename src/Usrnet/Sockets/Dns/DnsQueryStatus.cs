namespace Usrnet.Sockets.Dns;

/// <summary>Where a <see cref="DnsQuery"/> stands.</summary>
public enum DnsQueryStatus
{
    /// <summary>Waiting for a server (or not yet polled).</summary>
    Pending,

    /// <summary>Answered: <see cref="DnsQuery.Answers"/> holds records of the type asked.</summary>
    Succeeded,

    /// <summary>Ended without answers; <see cref="DnsQuery.Error"/> says why.</summary>
    Failed,
}
