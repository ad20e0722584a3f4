using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Orion.Cuda.Protocol.Description;
using Orion.Cuda.Protocol.Wire;
using Orion.Transport;
using Orion.Fuzz;
using Orion.Transport.InMemory;

using static Orion.Cuda.Remote.Tests.RawRecords;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// Drives the generated server decoders with records built from the call catalog (every call, with
/// plausible and hostile field values), then mutated (bit flips, truncation, wrong lengths, wrong
/// opcodes and request ids). Each case runs in a session of its own, followed by a probe: the
/// session either answers the probe or ends; it never hangs, never takes the server down, and the
/// well-behaved client keeps working. CI runs a short pass; ORION_FUZZ_CASES sets a long run
/// (docs/protocol.md), ORION_FUZZ_SEED replays one. The messages come from <see cref="FuzzMessages"/>, which the long
/// fuzz runs over TCP in both isolation modes use too (<see cref="FuzzRunTests"/>, docs/fuzzing.md).
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
            var message = random.Next(4) == 0 ? FuzzMessages.Mutate(random, FuzzMessages.Records(random)) : FuzzMessages.Records(random);
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
}
