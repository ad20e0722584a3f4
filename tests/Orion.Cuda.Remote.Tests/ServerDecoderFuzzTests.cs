using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;
using Orion.Transport.InMemory;

using static Orion.Cuda.Remote.Tests.RawRecords;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Drives the generated server decoders with records built from the call catalog (every call, with
/// plausible and hostile field values), then mutated (bit flips, truncation, wrong lengths, wrong
/// opcodes and request ids). Each case runs in a session of its own, followed by a probe: the
/// session either answers the probe or ends; it never hangs, never takes the server down, and the
/// well-behaved client keeps working. CI runs a short pass; ORION_FUZZ_CASES sets a long run
/// (docs/protocol.md), ORION_FUZZ_SEED replays one.
/// </summary>
public sealed class ServerDecoderFuzzTests : RemoteCudaTestBase
{
    private const uint ProbeId = 0xF00D;

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    [Fact]
    public async Task Random_and_mutated_records_end_at_most_their_own_session()
    {
        var cases = int.TryParse(Environment.GetEnvironmentVariable("ORION_FUZZ_CASES"), out var configured) ? configured : 200;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("ORION_FUZZ_SEED"), out var fixedSeed) ? fixedSeed : Environment.TickCount;
        var random = new Random(seed);
        GC.Collect();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var (answered, ended) = (0, 0);
        for (var i = 0; i < cases; i++)
        {
            var message = random.Next(4) == 0 ? Mutate(random, Records(random)) : Records(random);
            if (await RunCaseAsync(message))
            {
                answered++;
            }
            else
            {
                ended++;
            }
            await WaitUntilAsync(() => Server.Sessions.Count == 1, $"case {i} (seed {seed}) was cleaned up");
        }
        // Both outcomes occur: the generator builds valid records as well as hostile ones.
        Assert.True(answered > 0 && ended > 0, $"seed {seed}: {answered} cases answered, {ended} ended");
        using var buffer = Gpu.Upload<int>([4, 5, 6]);
        Assert.Equal(new[] { 4, 5, 6 }, buffer.ToArray());
        Assert.Equal(1, Backend.LiveContextCount);
        // Nothing the fuzzed sessions made outlives them (their buffers, staging, images).
        GC.Collect();
        var memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.True(memoryAfter < memoryBefore + (64L << 20), $"seed {seed}: managed heap grew from {memoryBefore} to {memoryAfter} bytes");
    }

    /// <summary>
    /// Sends the message and a probe; true when the probe was answered, false when the session ended
    /// or waits for bulk data a record announced (then the client leaves, and the session must still
    /// be cleaned up: the caller checks).
    /// </summary>
    private async Task<bool> RunCaseAsync(byte[] message)
    {
        await using var connection = await OpenRawSessionAsync("fuzz");
        try
        {
            await connection.SendAsync(message);
            await connection.SendAsync(Record(Opcode.SynchronizeDevice, [], ProbeId));
            var deadline = TimeSpan.FromSeconds(1);
            while (true)
            {
                var received = (await connection.ReceiveAsync().AsTask().WaitAsync(deadline)).ToArray();
                if (ContainsProbeReply(received))
                {
                    return true;
                }
            }
        }
        catch (TransportException)
        {
            return false; // the server ended the session (a malformed record, or bulk data where a message was due)
        }
        catch (ProtocolException)
        {
            return false; // the reply stream itself was cut by the session's end
        }
        catch (TimeoutException)
        {
            connection.Abort("fuzz case: the server waits for data this client announced and never sends");
            return false;
        }
    }

    private static bool ContainsProbeReply(byte[] message)
    {
        var reader = new ProtocolReader(message);
        while (!reader.IsAtEnd)
        {
            var header = ReplyHeader.Read(ref reader);
            reader.ReadSpan(header.BodyLength);
            if (header.Kind == ReplyKind.SessionEnded)
            {
                throw new ProtocolException("session ended");
            }
            if (header.Kind == ReplyKind.Reply && header.RequestId == ProbeId)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One to four records of described calls with random fields (no bulk data follows).</summary>
    private static byte[] Records(Random random)
    {
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

    private static byte[] Field(Random random, RemoteParameterInfo parameter)
    {
        if (parameter.MaxCount is { } maxCount)
        {
            // An array of a request (a u32 count, then the elements): mostly a few plausible handles, sometimes over the limit, sometimes lying.
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
            Array.Clear(bytes); // mostly no bulk data, so that most cases reach the probe
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

    /// <summary>The wire size of one element of an array field (its IWireValue's WireBytes).</summary>
    private static int WireBytesOf(string arrayType)
    {
        var element = typeof(RemoteCallCatalog).Assembly.GetType(arrayType.TrimEnd('[', ']'), throwOnError: true)!;
        return (int)element.GetProperty("WireBytes")!.GetValue(null)!;
    }

    private static byte[] Mutate(Random random, byte[] message)
    {
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
}
