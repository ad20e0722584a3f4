namespace Orion.Server.Core.Backend.Emulated;

/// <summary>The <c>CUdevice_attribute</c> values the emulated device reports (by attribute number).</summary>
internal static class EmulatedDeviceAttributes
{
    private const int Count = 160;

    /// <summary>Multiprocessors of the emulated device: with the occupancy the context reports, how many blocks a cooperative launch may have.</summary>
    public const int MultiprocessorCount = 4;
    // Texture limits of a Hopper GPU; the emulated device refuses arrays beyond them, as the driver does.
    public const int MaxTexture1DWidth = 131072;
    public const int MaxTexture2DWidth = 131072;
    public const int MaxTexture2DHeight = 65536;
    public const int MaxTexture3DExtent = 16384;
    public const int MaxLayeredExtent = 32768;
    public const int MaxLayers = 2048;

    public static int[] Create()
    {
        var a = new int[Count];
        a[1] = 1024;          // max threads per block
        a[2] = 1024;          // max block dim x
        a[3] = 1024;          // max block dim y
        a[4] = 64;            // max block dim z
        a[5] = int.MaxValue;  // max grid dim x
        a[6] = 65535;         // max grid dim y
        a[7] = 65535;         // max grid dim z
        a[8] = 48 * 1024;     // max shared memory per block
        a[9] = 64 * 1024;     // total constant memory
        a[10] = 32;           // warp size
        a[11] = int.MaxValue; // max pitch
        a[12] = 65536;        // max registers per block
        a[13] = 1_000_000;    // clock rate (kHz)
        a[14] = 512;          // texture alignment
        a[15] = 1;            // gpu overlap
        a[16] = MultiprocessorCount; // multiprocessor count
        a[21] = MaxTexture1DWidth;
        a[22] = MaxTexture2DWidth;
        a[23] = MaxTexture2DHeight;
        a[24] = a[25] = a[26] = MaxTexture3DExtent;
        a[27] = a[28] = MaxLayeredExtent;     // 2D layered width and height
        a[29] = MaxLayers;                    // 2D layered layers
        a[30] = 512;                          // surface alignment
        a[31] = 1;            // concurrent kernels
        a[39] = 2048;         // max threads per multiprocessor
        a[40] = 2;            // async engine count
        a[41] = 1;            // unified addressing
        a[51] = 32;           // texture pitch alignment
        a[69] = 1 << 28;      // max 1D linear texture width (elements)
        a[75] = 9;            // compute capability major
        a[76] = 0;            // compute capability minor
        a[81] = 228 * 1024;   // max shared memory per multiprocessor
        a[82] = 65536;        // max registers per multiprocessor
        a[95] = 1;            // cooperative launch (EmulatedContext.CooperativeLaunch.cs)
        a[102] = 1;           // virtual memory management supported (EmulatedContext.VirtualMemory.cs)
        a[115] = 1;           // memory pools supported (EmulatedContext.MemoryPools.cs)
        return a;
    }
}
