using System.Runtime.InteropServices;

namespace Orion.Copies.Benchmarks;

/// <summary>What copies carry: zeros (fresh buffers, padding), random bytes (already compressed data), float32 weights from
/// a normal distribution (a model's tensors) and the same as bf16 (the upper half of each float32, as mixed precision keeps).</summary>
public enum DataKind
{
    Zeros,
    Random,
    Float32Normal,
    Bf16Normal,
}

internal static class TestData
{
    public static byte[] Make(DataKind kind, int bytes)
    {
        var data = new byte[bytes];
        var random = new Random(42);
        switch (kind)
        {
            case DataKind.Random:
                random.NextBytes(data);
                break;
            case DataKind.Float32Normal:
                var floats = MemoryMarshal.Cast<byte, float>(data.AsSpan());
                for (var i = 0; i < floats.Length; i++)
                {
                    floats[i] = Normal(random);
                }
                break;
            case DataKind.Bf16Normal:
                var halves = MemoryMarshal.Cast<byte, ushort>(data.AsSpan());
                for (var i = 0; i < halves.Length; i++)
                {
                    halves[i] = (ushort)(BitConverter.SingleToUInt32Bits(Normal(random)) >> 16);
                }
                break;
        }
        return data;
    }

    /// <summary>Box-Muller, with the spread of trained weights (standard deviation 0.02).</summary>
    private static float Normal(Random random) =>
        (float)(0.02 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}
