using System.Collections.Concurrent;

namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// The kernels and globals the emulated device knows, by name. Every module image loaded on the
/// emulated device exposes all of them: it cannot run real GPU code, only what a test registers.
/// </summary>
public sealed class EmulatedKernelRegistry
{
    private readonly ConcurrentDictionary<string, EmulatedKernelDefinition> _kernels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ulong> _globals = new(StringComparer.Ordinal);

    /// <summary>Registers a kernel with its parameter sizes, laid out as a C compiler would (each aligned to its size, at most 8).</summary>
    public EmulatedKernelRegistry Register(string name, IReadOnlyList<uint> parameterSizes, EmulatedKernel body)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(parameterSizes);
        ArgumentNullException.ThrowIfNull(body);
        var layout = new KernelParameterInfo[parameterSizes.Count];
        uint offset = 0;
        for (var i = 0; i < layout.Length; i++)
        {
            var size = parameterSizes[i];
            ArgumentOutOfRangeException.ThrowIfZero(size);
            var alignment = Math.Min(8u, size is 1 or 2 or 4 or 8 ? size : 8u);
            offset = (offset + alignment - 1) / alignment * alignment;
            layout[i] = new KernelParameterInfo(offset, size);
            offset += size;
        }
        _kernels[name] = new EmulatedKernelDefinition(name, layout, body);
        return this;
    }

    /// <summary>Registers a <c>__device__</c> global of <paramref name="bytes"/> that every loaded module gets a zeroed copy of.</summary>
    public EmulatedKernelRegistry RegisterGlobal(string name, ulong bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentOutOfRangeException.ThrowIfZero(bytes);
        _globals[name] = bytes;
        return this;
    }

    internal bool TryGetKernel(string name, out EmulatedKernelDefinition definition) =>
        _kernels.TryGetValue(name, out definition!);

    internal IEnumerable<KeyValuePair<string, ulong>> Globals => _globals;

    /// <summary>Every registered kernel's name, in ordinal order.</summary>
    internal IReadOnlyList<string> KernelNames => [.. _kernels.Keys.Order(StringComparer.Ordinal)];
}
