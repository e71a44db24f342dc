using System.Threading.Tasks.Sources;

namespace Usrnet.Async;

/// <summary>
/// One reusable asynchronous operation (a read, a write, an accept…) of an async socket: the
/// <see cref="IValueTaskSource{TResult}"/> behind the <see cref="ValueTask{TResult}"/> it returns, so a
/// pending read or write allocates nothing in steady state.
/// </summary>
/// <remarks>
/// At most one operation of a kind is pending at a time. It is started and completed under the stack's
/// gate; continuations always run asynchronously (on the thread pool), so completing from the loop thread
/// never runs user code there (docs/articles/design.md §2). Cancellation takes the gate, so it cannot race a completion.
/// </remarks>
internal sealed class StackOperation<T> : IValueTaskSource<T>, IValueTaskSource
{
    private readonly NetworkStack _stack;
    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _token;

    private readonly Action? _finished;

    /// <param name="stack">The stack whose gate guards the operation.</param>
    /// <param name="finished">Called under the gate when the operation ends, however it ends (result, error or cancellation).</param>
    internal StackOperation(NetworkStack stack, Action? finished = null)
    {
        _stack = stack;
        _finished = finished;
    }

    /// <summary>True between <see cref="Start"/> and its completion. Read and written under the gate.</summary>
    public bool IsPending { get; private set; }

    /// <summary>
    /// Starts the operation (caller holds the gate and has checked that none is pending) and returns the
    /// value task that completes with it. <paramref name="cancellationToken"/> completes it with
    /// <see cref="OperationCanceledException"/> unless it completed first.
    /// </summary>
    public ValueTask<T> Start(CancellationToken cancellationToken) => new(this, Begin(cancellationToken));

    /// <summary>As <see cref="Start"/>, for an operation whose caller wants completion only (a write).</summary>
    public ValueTask StartWithoutResult(CancellationToken cancellationToken) => new(this, Begin(cancellationToken));

    private short Begin(CancellationToken cancellationToken)
    {
        IsPending = true;
        _core.Reset();
        short version = _core.Version;
        _token = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            // UnsafeRegister: no ExecutionContext capture (nothing of the caller's flows into the callback).
            _cancellation = cancellationToken.UnsafeRegister(static (state, _) => ((StackOperation<T>)state!).Cancel(), this);
        }
        return version;
    }

    /// <summary>Completes the pending operation with <paramref name="result"/>. Caller holds the gate.</summary>
    public void SetResult(T result)
    {
        if (Finish())
        {
            _core.SetResult(result);
        }
    }

    /// <summary>Completes the pending operation with <paramref name="error"/>. Caller holds the gate.</summary>
    public void SetException(Exception error)
    {
        if (Finish())
        {
            _core.SetException(error);
        }
    }

    private bool Finish()
    {
        if (!IsPending)
        {
            return false;
        }
        IsPending = false;
        // Unregister, not Dispose: Dispose waits for a running callback, which may be waiting for the gate we hold.
        _cancellation.Unregister();
        _cancellation = default;
        _finished?.Invoke();
        return true;
    }

    private void Cancel()
    {
        lock (_stack.Gate)
        {
            SetException(new OperationCanceledException(_token));
        }
    }

    T IValueTaskSource<T>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
