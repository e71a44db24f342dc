using Usrnet.Sockets.Dns;

namespace Usrnet.Async;

/// <summary>A DNS query of the stack's resolver that an async caller waits for.</summary>
internal sealed class DnsLookup : IStackWaiter
{
    private readonly DnsQuery _query;
    private readonly TaskCompletionSource<DnsQuery> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenRegistration _cancellation;

    private DnsLookup(DnsQuery query) => _query = query;

    /// <summary>Completes with the query once it succeeded or failed (never faults: the caller reads <see cref="DnsQuery.Error"/>).</summary>
    public Task<DnsQuery> Task => _done.Task;

    /// <summary>Waits for <paramref name="query"/>; caller holds the stack's gate.</summary>
    public static DnsLookup Start(NetworkStack stack, DnsQuery query, CancellationToken cancellationToken)
    {
        DnsLookup lookup = new(query);
        if (!((IStackWaiter)lookup).TryComplete(default))
        {
            stack.AddPolledWaiter(lookup);
            if (cancellationToken.CanBeCanceled)
            {
                lookup._cancellation = cancellationToken.UnsafeRegister(static (state, token) =>
                {
                    (DnsLookup self, NetworkStack owner) = ((DnsLookup, NetworkStack))state!;
                    lock (owner.Gate)
                    {
                        self._query.Cancel(); // frees its sockets; the stack forgets the waiter at its next round
                    }
                    self._done.TrySetCanceled(token);
                }, (lookup, stack));
            }
        }
        return lookup;
    }

    bool IStackWaiter.TryComplete(Instant now)
    {
        if (_query.Status == DnsQueryStatus.Pending)
        {
            return false;
        }
        _cancellation.Unregister();
        _done.TrySetResult(_query);
        return true;
    }

    void IStackWaiter.Abort(Exception error)
    {
        _query.Cancel();
        _done.TrySetException(error);
    }
}
