namespace Orion.Server.Core.Backend.Emulated;

/// <summary>What an <see cref="EmulatedDeviceOptions.Observer"/> is told: a stream-ordered copy between host and device
/// memory queued, an event recorded, or a wait for an event or a stream; in the order the session asked for them.</summary>
/// <param name="Kind">Which operation.</param>
/// <param name="Host">The host address of a copy (the session's staging buffer); 0 otherwise.</param>
/// <param name="Device">The device address of a copy (the first row's for 2D); 0 otherwise.</param>
/// <param name="Bytes">Bytes of a copy; 0 otherwise.</param>
/// <param name="Handle">The event or stream waited for or recorded; 0 otherwise.</param>
public readonly record struct EmulatedOperation(EmulatedOperationKind Kind, nint Host, ulong Device, ulong Bytes, nint Handle);

/// <summary>The operations an <see cref="EmulatedDeviceOptions.Observer"/> sees.</summary>
public enum EmulatedOperationKind
{
    /// <summary>A stream-ordered copy from host memory to the device was queued.</summary>
    CopyToDeviceQueued,

    /// <summary>A stream-ordered copy from the device to host memory was queued.</summary>
    CopyFromDeviceQueued,

    /// <summary>An event was recorded on a stream (after the work queued before it).</summary>
    EventRecorded,

    /// <summary>The host waited for an event: the work before it is complete once this returns.</summary>
    EventWaited,

    /// <summary>The host waited for a stream.</summary>
    StreamWaited,
}
