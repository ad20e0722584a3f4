using System.Runtime.InteropServices;

namespace Orion.Gpu.Tests;

/// <summary>The by-value struct parameter of <c>orion_mixed</c> (tests/gpu/kernels).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MixedParams
{
    public float Scale;
    public int Offset;
    public double Bias;
}

/// <summary>Host reference and parameter layout of the <c>orion_mixed</c> test kernel.</summary>
internal static class MixedKernel
{
    public const string Name = "orion_mixed";
    public const string CounterName = "orion_launch_count";

    /// <summary>(offset, size) of each parameter as the driver must report them.</summary>
    public static readonly (int Offset, int Size)[] ExpectedLayout = [(0, 8), (8, 8), (16, 4), (20, 4), (24, 16), (40, 1)];

    /// <summary>Size of the packed argument buffer: end of the last parameter.</summary>
    public const int PackedSize = 41;

    /// <summary>The kernel's arithmetic on the host, in the same order and precision.</summary>
    public static float Reference(float x, float a, in MixedParams p, byte flag)
    {
        float t = x * a;
        t *= p.Scale;
        t += p.Offset;
        t += (float)p.Bias;
        t += flag;
        return t;
    }

    public static string LoadPtx()
    {
        using Stream stream = typeof(MixedKernel).Assembly.GetManifestResourceStream("orion_mixed.ptx")
            ?? throw new InvalidOperationException("orion_mixed.ptx resource missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
