namespace Orion.Server.Core.Backend.Emulated;

/// <summary>
/// A CUDA array on the emulated device: its elements row by row, slice by slice, with no padding
/// (element bytes = channels × channel bytes of its format). A destroyed array keeps its record so
/// that a texture or surface object still naming it faults instead of reading freed storage.
/// </summary>
internal sealed class EmulatedArray(ArrayDescriptor descriptor)
{
    public ArrayDescriptor Descriptor { get; } = descriptor;

    public byte[] Data { get; } = new byte[descriptor.TotalBytes];

    public bool Destroyed { get; set; }

    /// <summary>The bytes of row <paramref name="y"/> of slice <paramref name="z"/> from byte column <paramref name="xBytes"/>, <paramref name="bytes"/> long (the caller checked the box).</summary>
    public Span<byte> Row(ulong xBytes, ulong y, ulong z, ulong bytes) =>
        Data.AsSpan(checked((int)((((z * Descriptor.Rows) + y) * Descriptor.RowBytes) + xBytes)), checked((int)bytes));
}
