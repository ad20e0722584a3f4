namespace Orion.Cuda.Protocol.Description;

/// <summary>
/// Marks the server class into which the build generates the dispatch (one line per opcode) and one
/// decoder and reply encoder per described call, each handing its call to the area's handler.
/// <c>src/Orion.Cuda.Protocol.Generator/README.md</c> lists what the class provides.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RemoteCallDispatcherAttribute : Attribute;
