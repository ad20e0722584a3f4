using Orion.Cuda.Protocol.Wire;
using Orion.Server.Core.Backend;

namespace Orion.Server.Core.Sessions;

/// <summary>
/// The CUDA arrays (by client-chosen handle) and the texture and surface objects (by the device's
/// value, per device) one session made: every array a call names, and every object it destroys, must
/// be this session's, and each table is bounded (<see cref="ArrayLimits"/>). The device frees them all
/// with the session's context; <see cref="RemoveDevice"/> forgets them then. Mutated only by the
/// session's executor; a lock makes counts read from other threads consistent.
/// </summary>
internal sealed class SessionArrays
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, ArrayEntry> _arrays = [];
    private readonly HashSet<(int Device, ulong Value)> _textureObjects = [];
    private readonly HashSet<(int Device, ulong Value)> _surfaceObjects = [];

    public sealed record ArrayEntry(int Device, GpuArrayHandle Array, ArrayDescriptor Descriptor);

    public (int Arrays, int TextureObjects, int SurfaceObjects) Counts()
    {
        lock (_gate)
        {
            return (_arrays.Count, _textureObjects.Count, _surfaceObjects.Count);
        }
    }

    // ---- arrays ----

    public bool ContainsArray(ulong handle)
    {
        lock (_gate)
        {
            return _arrays.ContainsKey(handle);
        }
    }

    public bool ArraysFull
    {
        get
        {
            lock (_gate)
            {
                return _arrays.Count >= ArrayLimits.MaxArraysPerSession;
            }
        }
    }

    /// <summary>Bytes of the arrays this session holds on <paramref name="device"/>, by their shapes (the driver may pad them).</summary>
    public ulong ArrayBytesOn(int device)
    {
        lock (_gate)
        {
            ulong bytes = 0;
            foreach (var entry in _arrays.Values)
            {
                if (entry.Device == device)
                {
                    var size = entry.Descriptor.TotalBytes;
                    bytes = size > ulong.MaxValue - bytes ? ulong.MaxValue : bytes + size;
                }
            }
            return bytes;
        }
    }

    public void AddArray(ulong handle, ArrayEntry entry)
    {
        lock (_gate)
        {
            _arrays.Add(handle, entry);
        }
    }

    public bool TryGetArray(ulong handle, out ArrayEntry entry)
    {
        lock (_gate)
        {
            return _arrays.TryGetValue(handle, out entry!);
        }
    }

    public void RemoveArray(ulong handle)
    {
        lock (_gate)
        {
            _arrays.Remove(handle);
        }
    }

    // ---- texture and surface objects ----

    public bool TextureObjectsFull => Full(_textureObjects, ArrayLimits.MaxTextureObjectsPerSession);

    public bool SurfaceObjectsFull => Full(_surfaceObjects, ArrayLimits.MaxSurfaceObjectsPerSession);

    public void AddTextureObject(int device, ulong value) => Add(_textureObjects, device, value);

    public bool OwnsTextureObject(int device, ulong value) => Contains(_textureObjects, device, value);

    public void RemoveTextureObject(int device, ulong value) => Remove(_textureObjects, device, value);

    public void AddSurfaceObject(int device, ulong value) => Add(_surfaceObjects, device, value);

    public bool OwnsSurfaceObject(int device, ulong value) => Contains(_surfaceObjects, device, value);

    public void RemoveSurfaceObject(int device, ulong value) => Remove(_surfaceObjects, device, value);

    /// <summary>Forgets everything that lived on <paramref name="device"/> (its context was destroyed, and its arrays and objects with it).</summary>
    public void RemoveDevice(int device)
    {
        lock (_gate)
        {
            foreach (var (handle, entry) in _arrays.ToArray())
            {
                if (entry.Device == device)
                {
                    _arrays.Remove(handle);
                }
            }
            _textureObjects.RemoveWhere(o => o.Device == device);
            _surfaceObjects.RemoveWhere(o => o.Device == device);
        }
    }

    private bool Full(HashSet<(int, ulong)> table, int limit)
    {
        lock (_gate)
        {
            return table.Count >= limit;
        }
    }

    private void Add(HashSet<(int, ulong)> table, int device, ulong value)
    {
        lock (_gate)
        {
            table.Add((device, value));
        }
    }

    private bool Contains(HashSet<(int, ulong)> table, int device, ulong value)
    {
        lock (_gate)
        {
            return table.Contains((device, value));
        }
    }

    private void Remove(HashSet<(int, ulong)> table, int device, ulong value)
    {
        lock (_gate)
        {
            table.Remove((device, value));
        }
    }
}
