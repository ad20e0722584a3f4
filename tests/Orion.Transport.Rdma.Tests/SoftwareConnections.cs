namespace Orion.Transport.Rdma.Tests;

/// <summary>A listener and one connected pair over the software provider.</summary>
internal sealed class SoftwareConnections : IAsyncDisposable
{
    public static readonly RdmaTransportSettings Small = new()
    {
        ReceiveBufferCount = 8,
        ReceiveBufferSize = 256,
        SendBufferCount = 4,
        SlotCount = 2,
        SlotSize = 4096,
        SendQueueDepth = 16,
        MaxInlineData = 64,
    };

    private SoftwareConnections(RdmaTransport transport, TransportListener listener, TransportConnection client, TransportConnection server)
    {
        Transport = transport;
        Listener = listener;
        Client = client;
        Server = server;
    }

    public RdmaTransport Transport { get; }

    public TransportListener Listener { get; }

    public TransportConnection Client { get; }

    public TransportConnection Server { get; }

    internal RdmaConnection ClientConnection => (RdmaConnection)Client;

    public static async Task<SoftwareConnections> CreateAsync(RdmaTransportSettings? settings = null, TransportOptions? options = null)
    {
        var transport = RdmaTransport.CreateSoftware(settings ?? Small);
        options ??= TransportOptions.Default;
        var listener = await transport.ListenAsync(new TransportEndpoint(RdmaTransport.SoftwareScheme, "localhost", 0), options);
        var accept = listener.AcceptAsync().AsTask();
        var client = await transport.ConnectAsync(listener.Endpoint, options);
        var server = await accept.WaitAsync(TimeSpan.FromSeconds(10));
        return new SoftwareConnections(transport, listener, client, server);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        await Listener.DisposeAsync();
    }
}
