namespace Orion.Transport.SharedMemory.Tests;

/// <summary>Socket paths for tests: a fresh one per listener, in a directory of this test run's own.</summary>
internal static class TestSockets
{
    public static string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("orion-shm-test-").FullName;

    public static string NewPath() => Path.Combine(Directory, Guid.NewGuid().ToString("N")[..12] + ".sock");

    public static TransportEndpoint NewEndpoint() => new(SharedMemoryTransport.Scheme, NewPath(), 0);
}
