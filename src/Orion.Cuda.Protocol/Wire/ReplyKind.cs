namespace Orion.Cuda.Protocol.Wire;

/// <summary>What a server record is.</summary>
public enum ReplyKind : ushort
{
    /// <summary>The result of the request with the same id.</summary>
    Reply = 1,
    /// <summary>A stream reached a host-function marker; the request id field carries nothing, the body the marker.</summary>
    HostFunctionReached = 2,
    /// <summary>The server ends the session; the body is the reason (text).</summary>
    SessionEnded = 3,
    /// <summary>Text the device printed; the request id field carries nothing, the body a <see cref="DeviceOutputTarget"/> byte and then the text.
    /// Sent before the reply of the synchronizing call during which the device printed it, as CUDA prints it then.</summary>
    DeviceOutput = 4,
}
