using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Orion.Transport;
using Orion.Transport.Demo;
using Orion.Transport.Tcp;

// orion-transport-demo serve tcp://127.0.0.1:5555
// orion-transport-demo ping  tcp://127.0.0.1:5555 [count] [bulk-MiB]
// Failures are one line on stderr ("error: <message>") and a non-zero exit: 2 for bad arguments, 1 otherwise.
if (args.Length < 2 || args[0] is not ("serve" or "ping"))
{
    Console.Error.WriteLine("usage: orion-transport-demo serve <tcp://host:port>");
    Console.Error.WriteLine("       orion-transport-demo ping  <tcp://host:port> [count=1000] [bulk-MiB=64]");
    return 2;
}
if (!TransportEndpoint.TryParse(args[1], out var endpoint, out var parseError))
{
    Console.Error.WriteLine($"error: invalid endpoint '{args[1]}': {parseError}");
    return 2;
}
var pingCount = 1000;
var bulkMiB = 64;
if ((args.Length > 2 && (!int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out pingCount) || pingCount <= 0))
    || (args.Length > 3 && !int.TryParse(args[3], NumberStyles.None, CultureInfo.InvariantCulture, out bulkMiB)))
{
    Console.Error.WriteLine("error: count and bulk-MiB must be whole numbers (count at least 1)");
    return 2;
}

var factory = new TransportFactory().Add(new TcpTransport());
using var stop = new CancellationTokenSource();
// Ctrl+C or a service manager's SIGTERM stops the server cleanly.
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

try
{
    return args[0] == "serve"
        ? await ServeAsync(factory, endpoint, stop.Token)
        : await PingAsync(factory, endpoint, pingCount, bulkMiB);
}
catch (TransportException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

void Stop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

static async Task<int> ServeAsync(TransportFactory factory, TransportEndpoint endpoint, CancellationToken stop)
{
    await using var listener = await factory.ListenAsync(endpoint, cancellationToken: stop);
    Console.WriteLine($"serving on {listener.Endpoint} (Ctrl+C stops)");
    try
    {
        while (true)
        {
            var connection = await listener.AcceptAsync(stop);
            _ = Task.Run(() => ServeConnectionAsync(connection), CancellationToken.None);
        }
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("stopped");
        return 0;
    }
}

static async Task ServeConnectionAsync(TransportConnection connection)
{
    Console.WriteLine($"{connection.RemoteEndpoint}: connected");
    var reply = new byte[9];
    await using (connection)
    {
        try
        {
            while (true)
            {
                var message = await connection.ReceiveAsync();
                switch (DemoProtocol.Opcode(message))
                {
                    case DemoProtocol.Ping:
                        await connection.SendAsync(message.ToArray());
                        break;
                    case DemoProtocol.BulkAnnounce when message.Length == 5:
                        var length = BinaryPrimitives.ReadInt32LittleEndian(message.Slice(1, 4).ToArray());
                        if (length is < 0 or > DemoProtocol.MaxBulk)
                        {
                            connection.Abort($"bulk of {length} bytes refused");
                            return;
                        }
                        var data = new byte[length];
                        await connection.ReceiveBulkAsync(data);
                        reply[0] = DemoProtocol.BulkSum;
                        BinaryPrimitives.WriteUInt64LittleEndian(reply.AsSpan(1), DemoProtocol.Sum(data));
                        await connection.SendAsync(reply);
                        break;
                    default:
                        connection.Abort("unknown request");
                        Console.WriteLine($"{connection.RemoteEndpoint}: unknown request, connection dropped");
                        return;
                }
            }
        }
        catch (TransportException e)
        {
            Console.WriteLine($"{connection.RemoteEndpoint}: {(e.Error == TransportError.ConnectionClosed ? "closed" : $"ended ({e.Error}): {e.Message}")}");
        }
    }
}

static async Task<int> PingAsync(TransportFactory factory, TransportEndpoint endpoint, int count, int bulkMiB)
{
    await using var connection = await factory.ConnectAsync(endpoint);
    Console.WriteLine($"connected to {connection.RemoteEndpoint} from {connection.LocalEndpoint}");

    var ping = new byte[64];
    ping[0] = DemoProtocol.Ping;
    var roundTrips = new double[count];
    for (var i = 0; i < count; i++)
    {
        BinaryPrimitives.WriteInt32LittleEndian(ping.AsSpan(1), i);
        var started = Stopwatch.GetTimestamp();
        await connection.SendAsync(ping);
        var echo = await connection.ReceiveAsync();
        roundTrips[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        if (!echo.ToArray().AsSpan().SequenceEqual(ping))
        {
            Console.Error.WriteLine($"ping {i}: wrong echo");
            return 1;
        }
    }
    if (count > 0)
    {
        Array.Sort(roundTrips);
        Console.WriteLine($"{count} pings of {ping.Length} B: p50 {roundTrips[count / 2]:0.0} us, p99 {roundTrips[Math.Min(count - 1, count * 99 / 100)]:0.0} us");
    }

    if (bulkMiB > 0)
    {
        var data = new byte[bulkMiB * 1024 * 1024];
        new Random(1).NextBytes(data);
        var announce = new byte[5];
        announce[0] = DemoProtocol.BulkAnnounce;
        BinaryPrimitives.WriteInt32LittleEndian(announce.AsSpan(1), data.Length);
        var started = Stopwatch.GetTimestamp();
        await connection.SendAsync(announce);
        await connection.SendBulkAsync(data);
        var answer = await connection.ReceiveAsync();
        var elapsed = Stopwatch.GetElapsedTime(started);
        var sum = answer.Length == 9 && DemoProtocol.Opcode(answer) == DemoProtocol.BulkSum
            ? BinaryPrimitives.ReadUInt64LittleEndian(answer.Slice(1).ToArray())
            : ulong.MaxValue;
        if (sum != DemoProtocol.Sum(data))
        {
            Console.Error.WriteLine("bulk: the server's checksum does not match");
            return 1;
        }
        Console.WriteLine($"bulk {bulkMiB} MiB sent and checksummed by the server in {elapsed.TotalMilliseconds:0} ms ({bulkMiB / elapsed.TotalSeconds:0} MiB/s), checksum ok");
    }
    return 0;
}
