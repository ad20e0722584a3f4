namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// The first message of a session, client to server: magic, protocol version, offered features,
/// auth token, a client name for the server's logs and, optionally, what the client asks of the server's vGPUs.
/// </summary>
public sealed record ClientHello(ushort Version, ProtocolFeatures Features, string AuthToken, string ClientName)
{
    /// <summary>What the client asks of the server's vGPUs (since version 4). Sent only when it asks for something:
    /// a hello without a request has the layout of versions 2 and 3, so that an older server answers it with a clear version
    /// mismatch rather than a malformed hello.</summary>
    public VGpuRequest VGpu { get; init; } = VGpuRequest.None;

    public void Encode(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(ProtocolLimits.Magic);
        writer.WriteUInt16(Version);
        writer.WriteUInt32((uint)Features);
        writer.WriteString(AuthToken, ProtocolLimits.MaxTextBytes);
        writer.WriteString(ClientName, ProtocolLimits.MaxTextBytes);
        if (!VGpu.IsEmpty)
        {
            VGpu.Encode(writer);
        }
    }

    /// <summary>What the record's <c>ToString</c> shows: everything but the token, which is never printed (it would end up in a log).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Version = ").Append(Version)
            .Append(", Features = ").Append(Features)
            .Append(", AuthToken = ").Append(AuthToken.Length == 0 ? "(none)" : "(hidden)")
            .Append(", ClientName = ").Append(ClientName)
            .Append(", VGpu = ").Append(VGpu.IsEmpty ? "(none)" : VGpu.Describe());
        return true;
    }

    /// <summary>
    /// Decodes a hello; a wrong magic or any malformed field is a <see cref="ProtocolException"/>. Of a hello of another
    /// version only the fields every version shares are read (what follows them may differ), so that the server can
    /// refuse it with a clear version mismatch.
    /// </summary>
    public static ClientHello Decode(ReadOnlySpan<byte> message)
    {
        var reader = new ProtocolReader(message);
        if (reader.Remaining < 4 || reader.ReadUInt32() != ProtocolLimits.Magic)
        {
            throw new ProtocolException("not an Orion client hello (bad magic)");
        }
        var version = reader.ReadUInt16();
        var features = (ProtocolFeatures)reader.ReadUInt32();
        var token = reader.ReadString(ProtocolLimits.MaxTextBytes);
        var name = reader.ReadString(ProtocolLimits.MaxTextBytes);
        if (version != ProtocolLimits.Version)
        {
            return new ClientHello(version, features, token, Printable(name));
        }
        var request = reader.IsAtEnd ? VGpuRequest.None : VGpuRequest.Decode(ref reader);
        reader.ExpectEnd("client hello");
        return new ClientHello(version, features, token, Printable(name)) { VGpu = request };
    }

    /// <summary>
    /// The name as it may go into a log: a peer's control characters (escape sequences that would rewrite an
    /// operator's terminal, line breaks that would forge log lines) become '?'.
    /// </summary>
    private static string Printable(string name)
    {
        if (!name.Any(IsUnprintable))
        {
            return name;
        }
        return string.Create(name.Length, name, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = IsUnprintable(source[i]) ? '?' : source[i];
            }
        });
    }

    private static bool IsUnprintable(char c) =>
        char.IsControl(c) || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format
            or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator;
}
