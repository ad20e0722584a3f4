
namespace Orion.Gpu.Tests;

/// <summary>Assertions for the GPU test programs: a failure throws with what was expected.</summary>
internal static class Expect
{
    public static void Ok(CudaStatus result, string function)
    {
        if (result != CudaStatus.Success)
        {
            throw new InvalidOperationException($"{function} failed: {result} ({(int)result})");
        }
    }

    public static void Status(CudaStatus expected, CudaStatus actual, string what)
    {
        if (expected != actual)
        {
            throw new InvalidOperationException($"{what}: expected {expected} ({(int)expected}), got {actual} ({(int)actual})");
        }
    }

    public static T Throws<T>(Action action, string what)
        where T : Exception
    {
        try
        {
            action();
        }
        catch (T expected)
        {
            return expected;
        }

        throw new InvalidOperationException($"{what}: expected {typeof(T).Name}, nothing was thrown");
    }

    public static void True(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }

    public static void Equal<T>(T expected, T actual, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            throw new InvalidOperationException($"{what}: expected {expected}, got {actual}");
        }
    }

    /// <summary>Bitwise comparison of two float arrays; reports the first mismatch.</summary>
    public static void SameBits(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Equal(expected.Length, actual.Length, $"{what} length");
        for (int i = 0; i < expected.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
            {
                throw new InvalidOperationException($"{what}: element {i} expected {expected[i]:R}, got {actual[i]:R}");
            }
        }
    }

    public static void SameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        if (!expected.SequenceEqual(actual))
        {
            int i = 0;
            while (i < expected.Length && i < actual.Length && expected[i] == actual[i])
            {
                i++;
            }

            throw new InvalidOperationException($"{what}: first difference at byte {i} of {expected.Length}");
        }
    }
}
