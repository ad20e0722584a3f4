namespace Orion.Cuda.Protocol.Description;

/// <summary>
/// Marks the client class into which the build generates one encoder method per described call
/// (a nested <c>RemoteCalls</c> struct). The class provides the batching and reply machinery the
/// generated code calls; <c>src/Orion.Cuda.Protocol.Generator/README.md</c> lists what it needs.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RemoteCallClientAttribute : Attribute;
