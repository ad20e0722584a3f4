using Orion.Transport.SharedMemory.Native;

namespace Orion.Transport.SharedMemory;

/// <summary>
/// The regions the peer has handed over (<see cref="ISharedMemoryRegions"/>) and not yet opened: each
/// descriptor is checked (id, stated length against the limit, seals, real size) on arrival, before
/// anything is mapped, and at most <see cref="SharedMemoryTransportSettings.MaxPendingRegions"/> wait.
/// </summary>
internal sealed class PeerRegionTable : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (FileDescriptorHandle File, long Length)> _arrived = [];
    private readonly Dictionary<int, TaskCompletionSource> _awaited = [];
    private readonly HashSet<int> _opened = [];
    private readonly long _maxLength;
    private readonly int _maxPending;
    private TransportException? _closed;

    public PeerRegionTable(long maxLength, int maxPending)
    {
        _maxLength = maxLength;
        _maxPending = maxPending;
    }

    /// <summary>Takes a descriptor the peer sent; returns why it is refused (the connection then ends), or null.</summary>
    public string? Add(int id, long length, FileDescriptorHandle file)
    {
        string? refusal = id <= 0 ? $"region id {id} is not positive"
            : length <= 0 || length > _maxLength ? $"region {id} states {length} bytes (limit {_maxLength})"
            : MemoryFile.CheckReceived(file, length);
        TaskCompletionSource? waiter = null;
        lock (_lock)
        {
            if (refusal is null && (_arrived.ContainsKey(id) || _opened.Contains(id)))
            {
                refusal = $"region {id} was sent twice";
            }
            if (refusal is null && _arrived.Count >= _maxPending)
            {
                refusal = $"more than {_maxPending} regions were sent and not opened";
            }
            if (refusal is null && _closed is null)
            {
                _arrived[id] = (file, length);
                if (_awaited.Remove(id, out waiter))
                {
                    // completed below, outside the lock
                }
                file = null!;
            }
        }
        file?.Dispose();
        waiter?.TrySetResult();
        return refusal;
    }

    public async ValueTask<SharedRegion> OpenAsync(int id, CancellationToken cancellationToken)
    {
        while (true)
        {
            TaskCompletionSource waiter;
            lock (_lock)
            {
                if (_closed is not null)
                {
                    throw new TransportException(_closed.Error, _closed.Message);
                }
                if (_arrived.Remove(id, out var entry))
                {
                    _opened.Add(id);
                    using (entry.File)
                    {
                        try
                        {
                            return new SharedRegion(id, SharedRegion.Map(entry.File, entry.Length));
                        }
                        catch (NativeCallException exception)
                        {
                            throw new TransportException(TransportError.Unavailable, $"Cannot map the peer's region {id}: {exception.Message}", exception);
                        }
                    }
                }
                if (_opened.Contains(id))
                {
                    throw new InvalidOperationException($"The peer's region {id} was opened already.");
                }
                if (!_awaited.TryGetValue(id, out waiter!))
                {
                    if (_awaited.Count >= _maxPending)
                    {
                        throw new InvalidOperationException($"More than {_maxPending} regions are awaited at once.");
                    }
                    waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    _awaited[id] = waiter;
                }
            }
            await waiter.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The connection ended: descriptors not opened are closed, waiters fail with <paramref name="reason"/>.</summary>
    public void Close(TransportException reason)
    {
        List<TaskCompletionSource> waiters;
        lock (_lock)
        {
            _closed ??= reason;
            foreach (var entry in _arrived.Values)
            {
                entry.File.Dispose();
            }
            _arrived.Clear();
            waiters = [.. _awaited.Values];
            _awaited.Clear();
        }
        foreach (var waiter in waiters)
        {
            waiter.TrySetResult(); // the opener loops and throws the recorded reason
        }
    }

    public void Dispose() => Close(new TransportException(TransportError.ConnectionAborted, "The connection was closed."));
}
