namespace Orion.Cuda.Protocol.Wire;

/// <summary>
/// The server's answer to a hello. When <see cref="Status"/> is not accepted, <see cref="Message"/>
/// says why and the server closes the connection; otherwise it describes the session and its devices.
/// </summary>
public sealed record ServerWelcome(
    HandshakeStatus Status,
    ushort Version,
    ProtocolFeatures Features,
    string Message,
    ulong SessionId,
    string ServerDescription,
    int ChunkBytes,
    int DriverVersion,
    IReadOnlyList<RemoteDeviceInfo> Devices)
{
    /// <summary>For <see cref="HandshakeStatus.Redirect"/>: where the session's worker listens (<c>scheme://host:port</c>).</summary>
    public string RedirectEndpoint { get; init; } = "";

    /// <summary>For <see cref="HandshakeStatus.Redirect"/>: the one-time ticket the client presents to the worker.</summary>
    public string RedirectTicket { get; init; } = "";

    /// <summary>For <see cref="HandshakeStatus.Accepted"/>: the vGPU the session was placed on; null when the server has
    /// no vGPUs on the session's device (the session then sees its devices whole, or as its memory quota says).</summary>
    public VGpuAssignment? VGpu { get; init; }

    /// <summary>What the record's <c>ToString</c> shows: everything but the redirect ticket, a credential that is never printed.</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("Status = ").Append(Status)
            .Append(", Version = ").Append(Version)
            .Append(", Features = ").Append(Features)
            .Append(", Message = ").Append(Message)
            .Append(", SessionId = ").Append(SessionId)
            .Append(", ServerDescription = ").Append(ServerDescription)
            .Append(", ChunkBytes = ").Append(ChunkBytes)
            .Append(", DriverVersion = ").Append(DriverVersion)
            .Append(", Devices = ").Append(Devices.Count)
            .Append(", VGpu = ").Append(VGpu?.ToString() ?? "(none)")
            .Append(", RedirectEndpoint = ").Append(RedirectEndpoint)
            .Append(", RedirectTicket = ").Append(RedirectTicket.Length == 0 ? "(none)" : "(hidden)");
        return true;
    }

    /// <summary>Sends the client to its session's worker; the ticket is valid for one connection only.</summary>
    public static ServerWelcome Redirect(ulong sessionId, string endpoint, string ticket) =>
        new(HandshakeStatus.Redirect, ProtocolLimits.Version, ProtocolFeatures.None, "the session runs in its own worker", sessionId, "",
            ProtocolLimits.DefaultChunkBytes, 0, [])
        {
            RedirectEndpoint = endpoint,
            RedirectTicket = ticket,
        };

    /// <summary>True when <paramref name="ticket"/> has the ticket format: 64 lowercase hex characters.</summary>
    public static bool IsWellFormedTicket(string ticket) =>
        ticket is { Length: ProtocolLimits.WorkerTicketChars } && ticket.All(char.IsAsciiHexDigitLower);

    public static ServerWelcome Refuse(HandshakeStatus status, string message) =>
        new(status, ProtocolLimits.Version, ProtocolFeatures.None, message, 0, "", ProtocolLimits.DefaultChunkBytes, 0, []);

    public void Encode(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteUInt32(ProtocolLimits.Magic);
        writer.WriteByte((byte)Status);
        writer.WriteUInt16(Version);
        writer.WriteUInt32((uint)Features);
        writer.WriteString(Message, ProtocolLimits.MaxTextBytes);
        writer.WriteUInt64(SessionId);
        writer.WriteString(ServerDescription, ProtocolLimits.MaxTextBytes);
        writer.WriteInt32(ChunkBytes);
        writer.WriteInt32(DriverVersion);
        writer.WriteUInt16((ushort)Devices.Count);
        foreach (var device in Devices)
        {
            writer.WriteString(device.Name, ProtocolLimits.MaxTextBytes);
            device.Uuid.TryWriteBytes(writer.Reserve(16));
            writer.WriteUInt64(device.TotalMemory);
            writer.WriteString(device.PciBusId, ProtocolLimits.MaxTextBytes);
            writer.WriteByte(device.IsEmulated ? (byte)1 : (byte)0);
            writer.WriteUInt16((ushort)device.Attributes.Count);
            foreach (var value in device.Attributes)
            {
                writer.WriteInt32(value);
            }
        }
        if (Status == HandshakeStatus.Redirect)
        {
            writer.WriteString(RedirectEndpoint, ProtocolLimits.MaxEndpointBytes);
            writer.WriteString(RedirectTicket, ProtocolLimits.WorkerTicketChars);
        }
        if (Status == HandshakeStatus.Accepted)
        {
            VGpuAssignment.EncodeOptional(writer, VGpu);
        }
    }

    public static ServerWelcome Decode(ReadOnlySpan<byte> message)
    {
        var reader = new ProtocolReader(message);
        if (reader.Remaining < 4 || reader.ReadUInt32() != ProtocolLimits.Magic)
        {
            throw new ProtocolException("not an Orion server welcome (bad magic)");
        }
        var status = (HandshakeStatus)reader.ReadByte();
        var version = reader.ReadUInt16();
        var features = (ProtocolFeatures)reader.ReadUInt32();
        var text = reader.ReadString(ProtocolLimits.MaxTextBytes);
        var sessionId = reader.ReadUInt64();
        var description = reader.ReadString(ProtocolLimits.MaxTextBytes);
        var chunkBytes = reader.ReadInt32();
        var driverVersion = reader.ReadInt32();
        var deviceCount = reader.ReadUInt16();
        if (deviceCount > ProtocolLimits.MaxDevices)
        {
            throw new ProtocolException($"welcome lists {deviceCount} devices; the limit is {ProtocolLimits.MaxDevices}");
        }
        if (status == HandshakeStatus.Accepted && chunkBytes is < ProtocolLimits.MinChunkBytes or > ProtocolLimits.MaxChunkBytes)
        {
            throw new ProtocolException($"welcome chunk size {chunkBytes} is outside {ProtocolLimits.MinChunkBytes}..{ProtocolLimits.MaxChunkBytes}");
        }
        var devices = new RemoteDeviceInfo[deviceCount];
        for (var i = 0; i < devices.Length; i++)
        {
            var name = reader.ReadString(ProtocolLimits.MaxTextBytes);
            var uuid = new Guid(reader.ReadSpan(16));
            var total = reader.ReadUInt64();
            var pci = reader.ReadString(ProtocolLimits.MaxTextBytes);
            var emulated = reader.ReadByte() != 0;
            var attributeCount = reader.ReadUInt16();
            if (attributeCount > ProtocolLimits.MaxDeviceAttributes)
            {
                throw new ProtocolException($"device {i} has {attributeCount} attributes; the limit is {ProtocolLimits.MaxDeviceAttributes}");
            }
            var attributes = new int[attributeCount];
            for (var a = 0; a < attributes.Length; a++)
            {
                attributes[a] = reader.ReadInt32();
            }
            devices[i] = new RemoteDeviceInfo(name, uuid, total, attributes, pci, emulated);
        }
        var redirectEndpoint = "";
        var redirectTicket = "";
        if (status == HandshakeStatus.Redirect)
        {
            redirectEndpoint = reader.ReadString(ProtocolLimits.MaxEndpointBytes);
            redirectTicket = reader.ReadString(ProtocolLimits.WorkerTicketChars);
            if (!IsWellFormedTicket(redirectTicket))
            {
                throw new ProtocolException($"redirect ticket must be {ProtocolLimits.WorkerTicketChars} lowercase hex characters");
            }
        }
        var vgpu = status == HandshakeStatus.Accepted ? VGpuAssignment.DecodeOptional(ref reader) : null;
        reader.ExpectEnd("server welcome");
        return new ServerWelcome(status, version, features, text, sessionId, description, chunkBytes, driverVersion, devices)
        {
            RedirectEndpoint = redirectEndpoint,
            RedirectTicket = redirectTicket,
            VGpu = vgpu,
        };
    }
}
