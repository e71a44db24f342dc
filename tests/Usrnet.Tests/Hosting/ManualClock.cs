namespace Usrnet.Tests.Hosting;

/// <summary>
/// A clock that moves only when told (<see cref="Advance"/>), with one-shot timers that fire when it
/// passes their due time: what an <see cref="Usrnet.Hosting.InterfaceRunner"/> waits on in virtual time.
/// </summary>
internal sealed class ManualClock : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<ManualTimer> _timers = [];
    private long _ticks = TimeSpan.FromSeconds(1000).Ticks;

    /// <inheritdoc/>
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <inheritdoc/>
    public override long GetTimestamp()
    {
        lock (_lock)
        {
            return _ticks;
        }
    }

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UnixEpoch + TimeSpan.FromTicks(GetTimestamp());

    /// <summary>Moves the clock on and fires the timers that came due.</summary>
    public void Advance(TimeSpan by)
    {
        List<ManualTimer> due = [];
        lock (_lock)
        {
            _ticks += by.Ticks;
            for (int i = _timers.Count - 1; i >= 0; i--)
            {
                if (_timers[i].DueTicks <= _ticks)
                {
                    due.Add(_timers[i]);
                    _timers.RemoveAt(i);
                }
            }
        }
        foreach (ManualTimer timer in due)
        {
            timer.Fire();
        }
    }

    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ManualTimer timer = new(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void Schedule(ManualTimer timer, TimeSpan dueTime)
    {
        bool now;
        lock (_lock)
        {
            _timers.Remove(timer);
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return;
            }
            timer.DueTicks = _ticks + dueTime.Ticks;
            now = dueTime <= TimeSpan.Zero;
            if (!now)
            {
                _timers.Add(timer);
            }
        }
        if (now)
        {
            timer.Fire();
        }
    }

    private void Cancel(ManualTimer timer)
    {
        lock (_lock)
        {
            _timers.Remove(timer);
        }
    }

    /// <summary>A one-shot timer (the period is not supported: the runner does not use one).</summary>
    private sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        public long DueTicks { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (period != Timeout.InfiniteTimeSpan && period != TimeSpan.Zero)
            {
                throw new NotSupportedException("periodic timers");
            }
            clock.Schedule(this, dueTime);
            return true;
        }

        public void Fire() => callback(state);

        public void Dispose() => clock.Cancel(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
