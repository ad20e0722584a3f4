using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Server.Core.Isolation;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Fuzz;

/// <summary>
/// One fuzz run: a server over TCP on loopback with the emulated device, in the isolation mode asked for; fuzzers that
/// send generated and mutated messages (records of every call, hellos, raw frames, mismatched bulk data), each followed,
/// where a session is open, by a probe the session must answer unless it ends; and a well-behaved client that uploads,
/// downloads and checks data the whole time. At the end the server must hold what it held before (sessions, workers,
/// contexts, threads, file descriptors, managed memory) and the well-behaved client must never have failed.
/// </summary>
public static class FuzzRunner
{
    private const uint ProbeId = 0xF00D;
    internal const string Token = "fuzz-token";

    public static async Task<FuzzReport> RunAsync(FuzzOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var report = new FuzzReport { Options = options };
        var transports = new TransportFactory().Add(new TcpTransport());
        using var backend = EmulatedBackend();
        using var workerBackend = EmulatedBackend();
        var serverOptions = new OrionServerOptions
        {
            AuthToken = Token,
            // Mutated hellos present wrong tokens by the thousand: a lockout would only refuse the fuzzers' later hellos.
            AuthFailureLimits = new Orion.Server.Core.Authentication.AuthFailureLimits { MaxFailures = 0 },
            Isolation = options.Isolation,
            ChunkBytes = 64 * 1024,
            HelloTimeout = TimeSpan.FromSeconds(2),
            WorkerConnectTimeout = TimeSpan.FromSeconds(2),
            MaxConnectionsPerAddress = 1024,
            SessionLimits = new SessionLimits { MemoryQuotaBytes = 32UL << 20 },
        };
        serverOptions.Endpoints.Add(new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", 0));
        if (options.Isolation == SessionIsolation.Process)
        {
            serverOptions.WorkerLauncher = options.WorkerProcesses
                ? ProcessWorkerLauncher.ForThisProgram([], NullLoggerFactory.Instance)
                : new InProcessWorkerLauncher(workerBackend, transports);
        }
        await using var server = new OrionServer(backend, transports, serverOptions, NullLoggerFactory.Instance);
        await server.StartAsync();
        var endpoint = server.Endpoints[0];

        using var stop = new CancellationTokenSource();
        await using var good = await RemoteGpu.ConnectAsync(transports, endpoint, new() { AuthToken = Token, ClientName = "well-behaved" });
        var goodRounds = 0L;
        string? goodFailure = null;
        var goodThread = new Thread(() =>
        {
            var random = new Random(options.Seed ^ 0x5EED);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var data = new int[random.Next(1, 64 * 1024)];
                    for (var i = 0; i < data.Length; i++)
                    {
                        data[i] = random.Next();
                    }
                    using var buffer = good.Upload<int>(data);
                    if (!buffer.ToArray().AsSpan().SequenceEqual(data))
                    {
                        goodFailure = "the well-behaved client read back other data than it wrote";
                        return;
                    }
                    Interlocked.Increment(ref goodRounds);
                }
            }
#pragma warning disable CA1031 // Whatever it is, it is the finding.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                goodFailure = "the well-behaved client failed: " + ex.Message;
            }
        }) { IsBackground = true, Name = "well-behaved client" };
        goodThread.Start();

        // Warm up (JIT, pools, one fuzz session of each kind), then take the baseline.
        await FuzzAsync(endpoint, transports, options with { Messages = 200, Fuzzers = 1 }, new FuzzReport { Options = options }, options.Seed - 1, CancellationToken.None);
        await WaitForBaselineAsync(server, options, TimeSpan.FromSeconds(30));
        var baseline = Measure(server, backend, workerBackend, options);
        report.Baseline = baseline.ToString();

        var stopwatch = Stopwatch.StartNew();
        var fuzzers = new Task[options.Fuzzers];
        var share = options.Messages / options.Fuzzers;
        for (var i = 0; i < fuzzers.Length; i++)
        {
            var seed = options.Seed + i;
            var count = i == 0 ? options.Messages - (share * (options.Fuzzers - 1)) : share;
            fuzzers[i] = Task.Run(() => FuzzAsync(endpoint, transports, options with { Messages = count }, report, seed, CancellationToken.None));
        }
        var progress = Task.Run(async () =>
        {
            while (!Task.WhenAll(fuzzers).IsCompleted)
            {
                await Task.WhenAny(Task.WhenAll(fuzzers), Task.Delay(TimeSpan.FromSeconds(10)));
                options.Progress?.Invoke(string.Create(CultureInfo.InvariantCulture,
                    $"{stopwatch.Elapsed.TotalSeconds:0} s: {Interlocked.Read(ref report.MessagesCounter):N0} messages, {Interlocked.Read(ref goodRounds):N0} good rounds"));
            }
        });
        try
        {
            await Task.WhenAll(fuzzers);
        }
#pragma warning disable CA1031 // A fuzzer's own crash is a finding of the run, not of the server; reported as such.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            report.Problems.Add("a fuzzer failed: " + ex);
        }
        await progress;
        report.Duration = stopwatch.Elapsed;
        report.Messages = report.MessagesCounter;

        // Everything the fuzz sessions held is given back; the well-behaved session is still served.
        if (!await WaitForBaselineAsync(server, options, TimeSpan.FromSeconds(30)))
        {
            report.Problems.Add($"sessions did not return to the baseline: {server.Sessions.Count} sessions, {server.Workers.Count} workers");
        }
        var roundsBefore = Interlocked.Read(ref goodRounds);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (Interlocked.Read(ref goodRounds) == roundsBefore && goodFailure is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        await stop.CancelAsync();
        goodThread.Join();
        report.GoodClientRounds = goodRounds;
        if (goodFailure is not null)
        {
            report.Problems.Add(goodFailure);
        }
        else if (goodRounds == roundsBefore)
        {
            report.Problems.Add("the well-behaved client made no progress after the fuzzing");
        }
        var end = Measure(server, backend, workerBackend, options);
        report.End = end.ToString();
        report.Problems.AddRange(end.LeaksAgainst(baseline, options.ThreadGrowthAllowed));
        if (report.Answered == 0 || report.EndedByServer == 0)
        {
            report.Problems.Add($"the generator should make both answered and fatal messages ({report.Answered} answered, {report.EndedByServer} ended)");
        }
        return report;
    }

    private static EmulatedGpuBackend EmulatedBackend() => new(new EmulatedDeviceOptions { MemoryBytes = 512UL << 20 });

    private static async Task<bool> WaitForBaselineAsync(OrionServer server, FuzzOptions options, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline)
        {
            var held = options.Isolation == SessionIsolation.Process ? server.Workers.Count : server.Sessions.Count;
            if (held == 1)
            {
                return true;
            }
            await Task.Delay(20);
        }
        return false;
    }

    /// <summary>One fuzzer: <see cref="FuzzOptions.Messages"/> messages of every kind, from <paramref name="seed"/>.</summary>
    private static async Task FuzzAsync(TransportEndpoint endpoint, TransportFactory transports, FuzzOptions options, FuzzReport report, int seed, CancellationToken cancellationToken)
    {
        var random = new Random(seed);
        FuzzSession? session = null;
        var sent = 0L;
        try
        {
            while (sent < options.Messages)
            {
                var kind = random.Next(100);
                if (kind < 4)
                {
                    sent += await HelloCaseAsync(endpoint, transports, random, options, report);
                    continue;
                }
                if (kind < 8)
                {
                    sent += await RawFrameCaseAsync(endpoint, random, options, report);
                    continue;
                }
                session ??= await FuzzSession.OpenAsync(endpoint, transports, report);
                var outcome = kind < 11
                    ? await session.SendMismatchedBulkAsync(random, options.Deadline)
                    : await session.SendAsync(random.Next(20) == 0 ? FuzzMessages.Mutate(random, FuzzMessages.Records(random)) : FuzzMessages.Records(random), options.Deadline);
                sent += kind < 11 ? 2 : 1;
                Interlocked.Add(ref report.MessagesCounter, kind < 11 ? 2 : 1);
                if (kind < 11)
                {
                    Interlocked.Increment(ref report.BulkMismatchCounter);
                }
                switch (outcome)
                {
                    case Outcome.Answered:
                        Interlocked.Increment(ref report.AnsweredCounter);
                        break;
                    case Outcome.Ended:
                        Interlocked.Increment(ref report.EndedCounter);
                        await session.DisposeAsync();
                        session = null;
                        break;
                    default:
                        Interlocked.Increment(ref report.WaitedCounter);
                        await session.DisposeAsync();
                        session = null;
                        break;
                }
            }
        }
        finally
        {
            if (session is not null)
            {
                await session.DisposeAsync();
            }
            report.Sync();
        }
    }

    /// <summary>A new connection that says a fuzzed hello: the server answers (a welcome, a redirect, a refusal) or ends it within the deadline.</summary>
    private static async Task<long> HelloCaseAsync(TransportEndpoint endpoint, TransportFactory transports, Random random, FuzzOptions options, FuzzReport report)
    {
        Interlocked.Increment(ref report.HelloCounter);
        Interlocked.Increment(ref report.MessagesCounter);
        var connection = await transports.ConnectAsync(endpoint);
        try
        {
            await connection.SendAsync(FuzzMessages.Hello(random, Token));
            await connection.ReceiveAsync().AsTask().WaitAsync(options.Deadline);
        }
        catch (TimeoutException)
        {
            lock (report.Problems)
            {
                report.Problems.Add("a fuzzed hello got neither an answer nor the connection's end within the deadline");
            }
        }
        catch (Exception ex) when (ex is TransportException or ProtocolException)
        {
            // Refused by ending the connection: an answer too.
        }
        finally
        {
            connection.Abort("hello case done");
            await connection.DisposeAsync();
        }
        return 1;
    }

    /// <summary>Raw bytes on a plain socket, sometimes after a valid hello; then end of stream: the server must close within the deadline.</summary>
    private static async Task<long> RawFrameCaseAsync(TransportEndpoint endpoint, Random random, FuzzOptions options, FuzzReport report)
    {
        Interlocked.Increment(ref report.RawFrameCounter);
        Interlocked.Increment(ref report.MessagesCounter);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, endpoint.Port);
        try
        {
            if (random.Next(2) == 0)
            {
                var hello = FuzzMessages.Hello(new Random(1), Token); // a valid hello (seed 1 draws no mutation)
                await socket.SendAsync(FuzzMessages.FrameHeader((uint)hello.Length, 1));
                await socket.SendAsync(hello);
            }
            await socket.SendAsync(FuzzMessages.RawFrame(random));
            socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            using var deadline = new CancellationTokenSource(options.Deadline);
            while (await socket.ReceiveAsync(buffer, deadline.Token) > 0)
            {
            }
        }
        catch (OperationCanceledException)
        {
            lock (report.Problems)
            {
                report.Problems.Add("a raw-frame connection was still open at the deadline");
            }
        }
        catch (SocketException)
        {
            // Reset: ended.
        }
        return 1;
    }

    private static Measurement Measure(OrionServer server, EmulatedGpuBackend backend, EmulatedGpuBackend workerBackend, FuzzOptions options)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return new Measurement(
            options.Isolation == SessionIsolation.Process ? server.Workers.Count : server.Sessions.Count,
            backend.LiveContextCount + workerBackend.LiveContextCount,
            process.Threads.Count,
            Directory.GetFileSystemEntries("/proc/self/fd").Length,
            GC.GetTotalMemory(forceFullCollection: true),
            process.WorkingSet64);
    }

    private sealed record Measurement(int Sessions, int Contexts, int Threads, int FileDescriptors, long ManagedBytes, long ResidentBytes)
    {
        public IEnumerable<string> LeaksAgainst(Measurement baseline, int threadGrowthAllowed)
        {
            if (Sessions != baseline.Sessions)
            {
                yield return $"sessions {baseline.Sessions} -> {Sessions}";
            }
            if (Contexts != baseline.Contexts)
            {
                yield return $"device contexts {baseline.Contexts} -> {Contexts}";
            }
            if (Threads > baseline.Threads + threadGrowthAllowed)
            {
                yield return $"threads {baseline.Threads} -> {Threads}";
            }
            if (FileDescriptors > baseline.FileDescriptors + 16)
            {
                yield return $"file descriptors {baseline.FileDescriptors} -> {FileDescriptors}";
            }
            if (ManagedBytes > baseline.ManagedBytes + (64L << 20))
            {
                yield return $"managed heap {baseline.ManagedBytes >> 20} MiB -> {ManagedBytes >> 20} MiB";
            }
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Sessions} sessions, {Contexts} contexts, {Threads} threads, {FileDescriptors} fds, managed {ManagedBytes >> 20} MiB, RSS {ResidentBytes >> 20} MiB");
    }

    internal enum Outcome
    {
        Answered,
        Ended,
        WaitedForData,
    }

    /// <summary>A fuzz connection that completed the handshake (following a redirect to a worker).</summary>
    private sealed class FuzzSession : IAsyncDisposable
    {
        private readonly TransportConnection _connection;

        private FuzzSession(TransportConnection connection) => _connection = connection;

        public static async Task<FuzzSession> OpenAsync(TransportEndpoint endpoint, TransportFactory transports, FuzzReport report)
        {
            Interlocked.Increment(ref report.SessionCounter);
            var connection = await transports.ConnectAsync(endpoint);
            var welcome = await HelloAsync(connection, Token);
            if (welcome.Status == HandshakeStatus.Redirect)
            {
                await connection.DisposeAsync();
                connection = await transports.ConnectAsync(TransportEndpoint.Parse(welcome.RedirectEndpoint));
                welcome = await HelloAsync(connection, welcome.RedirectTicket);
            }
            if (welcome.Status != HandshakeStatus.Accepted)
            {
                throw new InvalidOperationException($"a valid hello was refused: {welcome.Status} {welcome.Message}");
            }
            return new FuzzSession(connection);
        }

        private static async Task<ServerWelcome> HelloAsync(TransportConnection connection, string token)
        {
            using var writer = new ProtocolWriter(512);
            new ClientHello(ProtocolLimits.Version, ProtocolFeatures.None, token, "fuzz").Encode(writer);
            await connection.SendAsync(writer.WrittenMemory);
            return ServerWelcome.Decode((await connection.ReceiveAsync()).ToArray());
        }

        /// <summary>Sends <paramref name="message"/> and a probe: answered, ended by the server, or left waiting for bulk
        /// data a record announced (the server waits for it; the client then leaves, and the session must end).</summary>
        public async Task<Outcome> SendAsync(byte[] message, TimeSpan deadline)
        {
            try
            {
                await _connection.SendAsync(message);
                await _connection.SendAsync(FuzzMessages.Record(Opcode.SynchronizeDevice, [], ProbeId));
                return await AwaitProbeAsync(deadline);
            }
            catch (Exception ex) when (ex is TransportException or ProtocolException)
            {
                return Outcome.Ended;
            }
        }

        /// <summary>A module load announcing an image, followed by a message where its bulk data is due, or bulk data of another length.</summary>
        public async Task<Outcome> SendMismatchedBulkAsync(Random random, TimeSpan deadline)
        {
            var announced = (ulong)random.Next(1, 4096);
            try
            {
                await _connection.SendAsync(FuzzMessages.Record(Opcode.LoadModule, [.. FuzzMessages.U64((ulong)random.Next(16, 1 << 20)), .. FuzzMessages.U64(announced)], (uint)random.Next(1, 1000)));
                if (random.Next(2) == 0)
                {
                    await _connection.SendAsync(FuzzMessages.Record(Opcode.SynchronizeDevice, [], 7));
                }
                else
                {
                    await _connection.SendBulkAsync(new byte[(int)announced + random.Next(1, 64)]);
                }
                await _connection.SendAsync(FuzzMessages.Record(Opcode.SynchronizeDevice, [], ProbeId));
                return await AwaitProbeAsync(deadline);
            }
            catch (Exception ex) when (ex is TransportException or ProtocolException)
            {
                return Outcome.Ended;
            }
        }

        private async Task<Outcome> AwaitProbeAsync(TimeSpan deadline)
        {
            using var timeout = new CancellationTokenSource(deadline);
            try
            {
                while (true)
                {
                    var received = await _connection.ReceiveAsync(timeout.Token);
                    if (ContainsProbeReply(received.IsSingleSegment ? received.FirstSpan : received.ToArray()))
                    {
                        return Outcome.Answered;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return Outcome.WaitedForData;
            }
        }

        private static bool ContainsProbeReply(ReadOnlySpan<byte> message)
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

        public async ValueTask DisposeAsync()
        {
            _connection.Abort("fuzz case done");
            await _connection.DisposeAsync();
        }
    }
}
