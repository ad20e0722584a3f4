namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// The operations a client record carries (protocol v1). Numbers are wire values and never change
/// meaning; new operations get new numbers. See docs/protocol.md for each body.
/// </summary>
public enum Opcode : ushort
{
    // device and context
    SetDevice = 1,
    DeviceSynchronize = 2,
    MemoryGetInfo = 3,
    DeviceReset = 4,
    GetLimit = 5,
    SetLimit = 6,
    StreamPriorityRange = 7,
    CanAccessPeer = 8,

    // memory
    Allocate = 16,
    AllocatePitch = 17,
    Free = 18,
    AllocateAsync = 19,
    FreeAsync = 20,
    GetAddressRange = 21,
    CopyHostToDevice = 24,
    CopyDeviceToHost = 25,
    CopyDeviceToDevice = 26,
    Copy2D = 27,
    Memset = 28,
    Memset2D = 29,
    CopyPeer = 30,

    // modules and functions
    ModuleLoad = 40,
    ModuleUnload = 41,
    GetFunction = 42,
    GetGlobal = 43,
    FunctionGetAttribute = 44,
    FunctionSetAttribute = 45,
    FunctionSetCacheConfig = 46,
    OccupancyMaxActiveBlocks = 47,
    Launch = 48,

    // streams
    StreamCreate = 56,
    StreamDestroy = 57,
    StreamSynchronize = 58,
    StreamQuery = 59,
    StreamWaitEvent = 60,
    LaunchHostFunction = 61,

    // events
    EventCreate = 64,
    EventDestroy = 65,
    EventRecord = 66,
    EventSynchronize = 67,
    EventQuery = 68,
    EventElapsedTime = 69,
}
