namespace Usrnet.Tests.Async;

/// <summary>
/// A bounded wait that tells a slow machine from a stuck stack. Work of many connections at once may
/// take as long as it needs while its progress counter moves (requests arriving, bytes served); it fails
/// only once the counter has not moved for a whole <see cref="StallLimit"/>, and then says how far it got.
/// One wall-clock limit for the whole work would pass or fail by the machine's load instead.
/// </summary>
internal static class StallGuard
{
    /// <summary>How long the progress counter may stand still before the work counts as stuck.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Awaits <paramref name="work"/>; throws <see cref="TimeoutException"/> naming <paramref name="what"/>,
    /// the counter's value and <paramref name="diagnosis"/> when <paramref name="progress"/> stalls.
    /// </summary>
    public static Task WaitAsync(Task work, Func<long> progress, string what, Func<string>? diagnosis = null) =>
        WaitAsync(work.ContinueWith(done => { done.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default), progress, what, diagnosis);

    /// <inheritdoc cref="WaitAsync(Task, Func{long}, string, Func{string}?)"/>
    public static async Task<T> WaitAsync<T>(Task<T> work, Func<long> progress, string what, Func<string>? diagnosis = null)
    {
        long last = progress();
        while (true)
        {
            if (await Task.WhenAny(work, Task.Delay(StallLimit)).ConfigureAwait(false) == work)
            {
                return await work.ConfigureAwait(false);
            }
            long now = progress();
            if (now == last)
            {
                throw new TimeoutException($"{what}: no progress for {StallLimit.TotalSeconds:F0} s, stuck at {now}{(diagnosis is null ? "" : $"; {diagnosis()}")}");
            }
            last = now;
        }
    }
}
