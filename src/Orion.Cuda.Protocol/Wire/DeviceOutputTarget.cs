namespace Orion.Cuda.Protocol.Wire;

/// <summary>Where device output goes on the client, as it went on the GPU's host: <c>printf</c> to standard output, <c>assert</c> messages to standard error.</summary>
public enum DeviceOutputTarget : byte
{
    /// <summary>Standard output (device <c>printf</c>).</summary>
    StandardOutput = 1,
    /// <summary>Standard error (device <c>assert</c> messages).</summary>
    StandardError = 2,
}
