using System.Runtime.InteropServices;

namespace Orion.Server.Core.Backend.Emulated;

/// <summary>What an emulated kernel sees of its launch: geometry, parameters and device memory.</summary>
public sealed partial class EmulatedLaunch
{
    private readonly EmulatedContext _context;
    private readonly byte[] _parameters;
    private readonly KernelParameterInfo[] _layout;

    internal EmulatedLaunch(EmulatedContext context, in LaunchConfiguration configuration, KernelParameterInfo[] layout, byte[] parameters, bool cooperative = false)
    {
        IsCooperative = cooperative;
        _context = context;
        _layout = layout;
        _parameters = parameters;
        Grid = configuration.Grid;
        Block = configuration.Block;
        SharedMemoryBytes = configuration.SharedMemoryBytes;
    }

    public Dim3 Grid { get; }

    public Dim3 Block { get; }

    public uint SharedMemoryBytes { get; }

    /// <summary>
    /// A cooperative launch (<c>cuLaunchCooperativeKernel</c>): every block was resident at once, so the grid
    /// may synchronize (<c>grid.sync()</c>). A body runs the whole grid in order, so it does a grid-wide barrier
    /// by finishing one phase for every block before the next; a kernel that needs the barrier should fault when
    /// this is false, as <c>grid.sync()</c> outside a cooperative launch is an error on a GPU.
    /// </summary>
    public bool IsCooperative { get; }

    /// <summary>Total threads of the launch (grid volume × block volume).</summary>
    public ulong ThreadCount => Grid.Volume * Block.Volume;

    public int ParameterCount => _layout.Length;

    /// <summary>Reads parameter <paramref name="index"/> as <typeparamref name="T"/>, whose size must equal the declared size.</summary>
    public T Parameter<T>(int index) where T : unmanaged
    {
        var slot = _layout[index];
        if (slot.Size != (uint)Marshal.SizeOf<T>())
        {
            throw new ArgumentException($"Parameter {index} is {slot.Size} bytes, not {Marshal.SizeOf<T>()}.", nameof(index));
        }
        return MemoryMarshal.Read<T>(_parameters.AsSpan((int)slot.Offset, (int)slot.Size));
    }

    /// <summary>
    /// <paramref name="count"/> elements of device memory at <paramref name="address"/>. An address
    /// range outside every allocation of the context faults the launch (illegal address).
    /// </summary>
    public Span<T> Memory<T>(ulong address, long count) where T : unmanaged
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var bytes = checked((ulong)count * (ulong)Marshal.SizeOf<T>());
        if (!_context.TryGetDeviceSpan(address, bytes, out var span))
        {
            throw new EmulatedFaultException(CudaStatus.IllegalAddress,
                $"emulated kernel accessed 0x{address:x} (+{bytes} bytes) outside every allocation");
        }
        return MemoryMarshal.Cast<byte, T>(span);
    }

    /// <summary>Ends the launch with <paramref name="status"/>, as a device-side fault (e.g. an assert) would.</summary>
    public static void Fault(CudaStatus status, string why) => throw new EmulatedFaultException(status, why);
}

/// <summary>A fault inside an emulated kernel; the context latches its status as a sticky error.</summary>
internal sealed class EmulatedFaultException(CudaStatus status, string message) : Exception(message)
{
    public CudaStatus Status { get; } = status;
}
