namespace Orion.Server.Core.ComputeShares;

/// <summary>The GPU time schedulers of one server, one per backend device that has sessions with a compute share.</summary>
internal sealed class GpuTimeSchedulers(TimeSpan quantum, TimeProvider time) : IComputeShareJoiner, IDisposable
{
    private readonly Dictionary<int, GpuTimeScheduler> _byDevice = [];

    /// <summary>How long a session may take to give its turn back after being asked, before it loses it: one quantum.</summary>
    public TimeSpan Grace => quantum;

    public GpuTimeScheduler For(int device)
    {
        lock (_byDevice)
        {
            if (!_byDevice.TryGetValue(device, out var scheduler))
            {
                scheduler = new GpuTimeScheduler(quantum, Grace, time);
                _byDevice[device] = scheduler;
            }
            return scheduler;
        }
    }

    public ComputeShareGate Join(int device, int sharePercent, string sessionName)
    {
        var scheduler = For(device);
        var gate = new ComputeShareGate();
        gate.Attach(new LocalGpuTimeLink(scheduler, scheduler.Join(gate, sharePercent, sessionName)));
        return gate;
    }

    public void Dispose()
    {
        lock (_byDevice)
        {
            foreach (var scheduler in _byDevice.Values)
            {
                scheduler.Dispose();
            }
            _byDevice.Clear();
        }
    }
}
