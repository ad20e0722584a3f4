namespace Orion.Cuda.Protocol.Description;

/// <summary>
/// Marks an interface as one area of remote calls (device, memory, modules, streams, events). Its
/// methods are the calls' descriptions; the server implements the interface as the area's handler,
/// and the build generates the client's encoders and the server's decoders and dispatch from it.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class RemoteCallAreaAttribute(string name) : Attribute
{
    /// <summary>The area's name in the catalog and in docs/protocol.md.</summary>
    public string Name { get; } = name;
}
