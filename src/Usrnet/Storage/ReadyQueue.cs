namespace Usrnet.Storage;

/// <summary>
/// A first-in first-out queue in which an item waits at most once: queuing an item already waiting does
/// nothing. What a socket set uses to say which sockets may have become readable, writable, connected or
/// closed since their owner last looked, so the owner visits those and not every socket (epoll's ready
/// list, in one thread).
/// </summary>
/// <remarks>
/// Items are compared by reference. Taking and queuing allocate nothing once the queue has grown to the
/// largest number of items waiting at once. Not thread-safe.
/// </remarks>
internal sealed class ReadyQueue
{
    private readonly Queue<object> _queue = new();
    private readonly HashSet<object> _waiting = new(ReferenceEqualityComparer.Instance);

    /// <summary>Items waiting.</summary>
    public int Count => _queue.Count;

    /// <summary>Queues <paramref name="item"/> unless it is waiting already.</summary>
    public void Enqueue(object item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (_waiting.Add(item))
        {
            _queue.Enqueue(item);
        }
    }

    /// <summary>Takes the item that has waited longest; false when none waits.</summary>
    public bool TryDequeue(out object item)
    {
        if (_queue.TryDequeue(out object? next))
        {
            _waiting.Remove(next);
            item = next;
            return true;
        }
        item = null!;
        return false;
    }
}
