using System.Buffers.Binary;
using System.Text;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Fuzz;

/// <summary>
/// Messages for the fuzz runs, built from the call catalog: records of every call with plausible and hostile field
/// values, then mutated (bit flips, truncation, wrong lengths, opcodes and request ids); hellos, valid and mutated; raw
/// frames (garbage, oversized, truncated). Deterministic for a given <see cref="Random"/> seed.
/// </summary>
public static class FuzzMessages
{
    /// <summary>One to four records of described calls with random fields (no bulk data follows).</summary>
    public static byte[] Records(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var message = new List<byte>();
        for (var count = random.Next(1, 5); count > 0; count--)
        {
            var call = RemoteCallCatalog.Calls[random.Next(RemoteCallCatalog.Calls.Count)];
            var body = new List<byte>();
            foreach (var parameter in call.Parameters.Where(p => p.Direction is ParameterDirection.In or ParameterDirection.InOut))
            {
                body.AddRange(Field(random, parameter));
            }
            var requestId = call.Mode == CallMode.Synchronous || call.Bulk == BulkDirection.ToClient ? (uint)random.Next(1, 1000) : 0u;
            if (random.Next(10) == 0)
            {
                requestId = (uint)random.Next(0, 3); // the wrong kind of request id for some calls
            }
            message.AddRange(Record((Opcode)call.Opcode, [.. body], requestId));
        }
        return [.. message];
    }

    /// <summary>A record as the client library writes it: header (opcode, reserved, request id, body length), then the body.</summary>
    public static byte[] Record(Opcode opcode, byte[] body, uint requestId = 0) =>
        [.. U16((ushort)opcode), .. U16(0), .. U32(requestId), .. U32((uint)body.Length), .. body];

    private static byte[] Field(Random random, RemoteParameterInfo parameter)
    {
        if (parameter.MaxCount is { } maxCount)
        {
            // An array (a u32 count, then the elements): mostly a few plausible handles, sometimes over the limit, sometimes lying.
            var elementBytes = WireBytesOf(parameter.WireType);
            var count = random.Next(8) == 0 ? random.Next(maxCount + 1, maxCount * 2) : random.Next(0, 4);
            var elements = new byte[(random.Next(3) == 0 ? random.Next(0, count + 1) : Math.Min(count, 4)) * elementBytes];
            for (var at = 0; at + 8 <= elements.Length; at += 8)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(elements.AsSpan(at), (ulong)random.Next(0, 40));
            }
            return [.. U32((uint)count), .. elements];
        }
        if (parameter.MaxBytes is { } maxBytes)
        {
            // A string (u16 length) or a byte field (u32 length): mostly within the limit, sometimes not, sometimes lying.
            var length = random.Next(4) == 0 ? random.Next(maxBytes, maxBytes * 2) : random.Next(0, Math.Min(maxBytes, 256));
            var content = new byte[random.Next(3) == 0 ? random.Next(0, length + 1) : length];
            random.NextBytes(content);
            var prefix = parameter.WireType == "string" ? U16((ushort)Math.Min(length, ushort.MaxValue)) : U32((uint)length);
            if (parameter.WireType == "string")
            {
                content = Encoding.ASCII.GetBytes(new string('k', content.Length));
            }
            return [.. prefix, .. content];
        }
        var bytes = new byte[parameter.FixedBytes];
        random.NextBytes(bytes);
        if (parameter.BulkSize is not null && random.Next(3) != 0)
        {
            Array.Clear(bytes); // mostly no bulk data, so that most messages reach the probe
        }
        else if (parameter.FixedBytes == 8 && random.Next(3) != 0)
        {
            // Handles and sizes near what a real client uses, so that calls get past their first checks.
            var plausible = parameter.Handle is not null ? (ulong)random.Next(0, 40) : (ulong)random.Next(0, 1 << 16);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, plausible);
        }
        else if (parameter.FixedBytes == 4 && random.Next(2) == 0)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)random.Next(0, 8));
        }
        else if (parameter.FixedBytes == 1 && random.Next(2) == 0)
        {
            bytes[0] = (byte)(1 << random.Next(0, 3));
        }
        return bytes;
    }

    private static readonly Dictionary<string, int> ElementBytes = [];

    /// <summary>The wire size of one element of an array field (its IWireValue's WireBytes).</summary>
    private static int WireBytesOf(string arrayType)
    {
        lock (ElementBytes)
        {
            if (!ElementBytes.TryGetValue(arrayType, out var bytes))
            {
                var element = typeof(RemoteCallCatalog).Assembly.GetType(arrayType.TrimEnd('[', ']'), throwOnError: true)!;
                bytes = (int)element.GetProperty("WireBytes")!.GetValue(null)!;
                ElementBytes[arrayType] = bytes;
            }
            return bytes;
        }
    }

    /// <summary><paramref name="message"/> with one mutation: bit flips, truncation, trailing garbage, a wrong body length or opcode.</summary>
    public static byte[] Mutate(Random random, byte[] message)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(message);
        var mutated = message.ToList();
        switch (random.Next(5))
        {
            case 0 when mutated.Count > 0:
                for (var flips = random.Next(1, 8); flips > 0; flips--)
                {
                    var at = random.Next(mutated.Count);
                    mutated[at] ^= (byte)(1 << random.Next(8));
                }
                break;
            case 1 when mutated.Count > 1:
                var keep = random.Next(1, mutated.Count);
                mutated.RemoveRange(keep, mutated.Count - keep);
                break;
            case 2:
                var tail = new byte[random.Next(1, 64)];
                random.NextBytes(tail);
                mutated.AddRange(tail);
                break;
            case 3 when mutated.Count >= 12:
                var length = U32((uint)random.Next());
                for (var b = 0; b < 4; b++)
                {
                    mutated[8 + b] = length[b];
                }
                break;
            default:
                var opcode = U16((ushort)random.Next(0, 300));
                if (mutated.Count >= 2)
                {
                    (mutated[0], mutated[1]) = (opcode[0], opcode[1]);
                }
                break;
        }
        return [.. mutated];
    }

    /// <summary>A hello: valid (with <paramref name="token"/>), or with a wrong version, token or magic, or mutated.</summary>
    public static byte[] Hello(Random random, string token)
    {
        ArgumentNullException.ThrowIfNull(random);
        using var writer = new ProtocolWriter(512);
        var version = random.Next(8) == 0 ? (ushort)random.Next(0, 10) : ProtocolLimits.Version;
        var presented = random.Next(8) == 0 ? new string('g', random.Next(0, 1025)) : token;
        var name = random.Next(8) == 0 ? new string('\u001b', random.Next(0, 1025)) : "fuzz";
        new ClientHello(version, (ProtocolFeatures)random.Next(0, 16), presented, name)
        {
            VGpu = random.Next(4) == 0 ? new VGpuRequest((ulong)random.NextInt64(), random.Next(0, 101), random.Next(3) == 0 ? random.Next(0, 64) : null) : VGpuRequest.None,
        }.Encode(writer);
        var hello = writer.WrittenMemory.ToArray();
        return random.Next(3) == 0 ? Mutate(random, hello) : hello;
    }

    /// <summary>Raw bytes for a stream connection: a garbage header, a frame announcing more than any limit, a truncated
    /// frame, a keepalive with a payload, or a bulk frame where a message is due. The server must end the connection.</summary>
    public static byte[] RawFrame(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return random.Next(5) switch
        {
            0 => [0x10, 0, 0, 0, 0x7F, 0xDE, 0xAD, 0xBE, 1, 2, 3, 4],
            1 => FrameHeader((uint)random.Next(64 * 1024 + 1, int.MaxValue), 1),
            2 => [.. FrameHeader((uint)random.Next(100, 60_000), 1), .. new byte[random.Next(0, 99)]],
            3 => FrameHeader((uint)random.Next(1, 100), 3),
            _ => [.. FrameHeader(16, 2), .. new byte[16]],
        };
    }

    /// <summary>The stream framing's 8-byte header: length, kind (1 message, 2 bulk, 3 keepalive, 4 close), three zero bytes.</summary>
    public static byte[] FrameHeader(uint length, byte kind) => [.. U32(length), kind, 0, 0, 0];

    public static byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }

    public static byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }
}
