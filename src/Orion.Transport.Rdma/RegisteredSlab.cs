using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma;

/// <summary>
/// <see cref="Count"/> equal buffers in one pinned array registered as one memory region: one MR
/// per slab keeps the device's translation table small and registration off the data path.
/// </summary>
internal sealed unsafe class RegisteredSlab
{
    public RegisteredSlab(IVerbsEndpoint endpoint, int count, int bufferSize, AccessFlags access)
    {
        Count = count;
        BufferSize = bufferSize;
        // Pinned (POH) so its address never moves while the device may access it.
        Buffer = GC.AllocateUninitializedArray<byte>(checked(count * bufferSize), pinned: true);
        Address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(Buffer));
        Region = endpoint.Register(Address, Buffer.Length, access);
    }

    public byte[] Buffer { get; }

    public int Count { get; }

    public int BufferSize { get; }

    public nint Address { get; }

    public MemoryRegion Region { get; }

    public int OffsetOf(int index) => index * BufferSize;

    public nint AddressOf(int index) => Address + OffsetOf(index);

    public Span<byte> Span(int index) => Buffer.AsSpan(OffsetOf(index), BufferSize);
}
