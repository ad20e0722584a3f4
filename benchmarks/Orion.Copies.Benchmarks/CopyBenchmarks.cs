using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Cuda.Protocol;
using Orion.Cuda.Protocol.Wire;
using Orion.Cuda.Remote.Client;
using Orion.Server.Core;
using Orion.Server.Core.Backend.Emulated;
using Orion.Transport;
using Orion.Transport.Tcp;

namespace Orion.Copies.Benchmarks;

/// <summary>
/// Synchronous copies through an Orion client and server over loopback TCP, against the emulated device (a memcpy), next to
/// the floor of the same machine in the same run: a raw socket that moves the same bytes and answers with one byte, as a
/// copy's reply does. Orion's copy as a share of the raw figure is what pipelining is for.
/// </summary>
[MemoryDiagnoser]
public class CopyBenchmarks
{
    private OrionServer _server = null!;
    private RemoteCudaClient _client = null!;
    private nint _host;
    private ulong _device;
    private Socket _rawSender = null!;
    private Socket _rawReceiver = null!;
    private Thread _rawThread = null!;
    private readonly byte[] _ack = new byte[1];

    [Params(1 << 20, 64 << 20)]
    public int Bytes { get; set; }

    [Params(ChunkCompression.Off, ChunkCompression.Auto)]
    public ChunkCompression Compression { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var backend = new EmulatedGpuBackend(new EmulatedDeviceOptions { MemoryBytes = 1UL << 30 });
        var transports = new TransportFactory().Add(new TcpTransport());
        var options = new OrionServerOptions();
        options.Endpoints.Add(new TransportEndpoint(TcpTransport.Scheme, "127.0.0.1", 0));
        _server = new OrionServer(backend, transports, options, NullLoggerFactory.Instance);
        _server.StartAsync().GetAwaiter().GetResult();
        _client = RemoteCudaClient.ConnectAsync(transports, _server.Endpoints[0], new RemoteCudaClientOptions { Compression = Compression }).GetAwaiter().GetResult();
        Check(_client.Allocate((ulong)Bytes, out _device));
        _host = Marshal.AllocHGlobal(Bytes);
        var data = TestData.Make(DataKind.Float32Normal, Bytes);
        Marshal.Copy(data, 0, _host, Bytes);
        Check(_client.CopyHostToDevice(_device, _host, (ulong)Bytes));
        StartRawPeer();
    }

    [Benchmark(Baseline = true, Description = "raw TCP: bytes + 1-byte answer")]
    public void RawTcp()
    {
        unsafe
        {
            var span = new ReadOnlySpan<byte>((void*)_host, Bytes);
            while (!span.IsEmpty)
            {
                span = span[_rawSender.Send(span)..];
            }
        }
        _rawSender.Receive(_ack);
    }

    [Benchmark(Description = "Orion host to device")]
    public void HostToDevice() => Check(_client.CopyHostToDevice(_device, _host, (ulong)Bytes));

    [Benchmark(Description = "Orion device to host")]
    public void DeviceToHost() => Check(_client.CopyDeviceToHost(_host, _device, (ulong)Bytes));

    [GlobalCleanup]
    public void Cleanup()
    {
        _rawSender.Dispose();
        _rawThread.Join();
        _rawReceiver.Dispose();
        _client.Dispose();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Marshal.FreeHGlobal(_host);
    }

    /// <summary>A loopback socket pair whose far end reads <see cref="Bytes"/> at a time and answers each with one byte.</summary>
    private void StartRawPeer()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _rawSender = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _rawSender.Connect(listener.LocalEndPoint!);
        _rawReceiver = listener.Accept();
        _rawReceiver.NoDelay = true;
        var bytes = Bytes;
        _rawThread = new Thread(() =>
        {
            var buffer = new byte[4 << 20];
            try
            {
                while (true)
                {
                    for (var left = bytes; left > 0;)
                    {
                        var read = _rawReceiver.Receive(buffer, 0, Math.Min(left, buffer.Length), SocketFlags.None);
                        if (read == 0)
                        {
                            return;
                        }
                        left -= read;
                    }
                    _rawReceiver.Send(_ack);
                }
            }
            catch (SocketException)
            {
            }
        }) { IsBackground = true };
        _rawThread.Start();
    }

    private static void Check(CudaStatus status)
    {
        if (status != CudaStatus.Success)
        {
            throw new InvalidOperationException($"the copy failed: {status}");
        }
    }
}
