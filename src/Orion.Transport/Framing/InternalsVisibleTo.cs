using System.Runtime.CompilerServices;

// The TCP transport reuses the framing (FramedConnection, FrameHeader) without making it public API.
[assembly: InternalsVisibleTo("Orion.Transport.Tcp")]
