namespace Orion.Server.Core.Backend.Cuda.Interop;

/// <summary>
/// The CUDA driver's <c>CUresult</c>. Only the codes this backend branches on are named; every other
/// value still travels unchanged because the enum is just the driver's int.
/// </summary>
internal enum CuResult
{
    Success = 0,
    InvalidValue = 1,
    OutOfMemory = 2,
    NotInitialized = 3,
    Deinitialized = 4,
    StubLibrary = 34,
    NoDevice = 100,
    InvalidDevice = 101,
    InvalidImage = 200,
    InvalidContext = 201,
    NoBinaryForGpu = 209,
    InvalidPtx = 218,
    InvalidHandle = 400,
    NotFound = 500,
    NotReady = 600,
    IllegalAddress = 700,
    LaunchFailed = 719,
    NotSupported = 801,
    SystemDriverMismatch = 803,
    Unknown = 999,
}
