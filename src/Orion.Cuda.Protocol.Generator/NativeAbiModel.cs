namespace Orion.Cuda.Protocol.Generator;

/// <summary>One C function of a native ABI header: its C name and its C# parameter list.</summary>
internal sealed record NativeFunction(string Name, string MethodName, EquatableArray<NativeParameter> Parameters);

/// <summary>A parameter with its C# type (fixed-width integers, float, pointers, unmanaged function pointers).</summary>
internal sealed record NativeParameter(string Name, string Type);

/// <summary>Everything read from the header: its ABI version and its functions, or what could not be read.</summary>
internal sealed record NativeAbi(string Path, int Version, EquatableArray<NativeFunction> Functions, EquatableArray<string> Problems);
