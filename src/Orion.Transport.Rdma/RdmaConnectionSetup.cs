using Microsoft.Extensions.Logging;
using Orion.Transport.Rdma.Verbs;

namespace Orion.Transport.Rdma;

/// <summary>
/// Builds a connection on either side: registers the receive pool and the slot region, posts every
/// receive, then exchanges <see cref="ConnectionParameters"/> through the rdma_cm private data, so
/// the peer may send the moment the connection is established.
/// </summary>
internal static class RdmaConnectionSetup
{
    private const int MaxPrivateData = 56;

    public static QueueCapacities Capacities(RdmaTransportSettings settings) => new()
    {
        MaxSendRequests = (uint)settings.SendQueueDepth,
        MaxReceiveRequests = (uint)settings.ReceiveBufferCount,
        MaxInlineData = (uint)settings.MaxInlineData,
        CompletionQueueEntries = (uint)(settings.SendQueueDepth + settings.ReceiveBufferCount + 16),
    };

    public static RdmaConnection Connect(IVerbsProvider provider, TransportEndpoint remote, string scheme, TransportOptions options,
        RdmaTransportSettings settings, ILogger logger)
    {
        var capacities = Capacities(settings);
        var endpoint = provider.CreateClient(remote.Host, remote.Port, ref capacities, options.ConnectTimeout);
        RegisteredSlab? receives = null;
        RegisteredSlab? slots = null;
        try
        {
            (receives, slots) = RegisterPools(endpoint, settings);
            Span<byte> local = stackalloc byte[ConnectionParameters.Size];
            Describe(receives, slots).Write(local);
            Span<byte> peerData = stackalloc byte[MaxPrivateData];
            endpoint.Connect(local, peerData, out var peerLength, options.ConnectTimeout);
            if (!ConnectionParameters.TryRead(peerData[..peerLength], out var peer, out var error))
            {
                throw new TransportException(TransportError.ConnectFailed, $"RDMA connect to {remote} failed: {error}.");
            }
            var connection = new RdmaConnection(endpoint, receives, slots, peer, new TransportEndpoint(scheme, "local", 0), remote, options, settings, logger);
            connection.Start();
            return connection;
        }
        catch
        {
            Deregister(endpoint, receives, slots);
            endpoint.Dispose();
            throw;
        }
    }

    /// <summary>Accepts one request; the caller rejects and disposes the endpoint when this throws.</summary>
    public static RdmaConnection Accept(IVerbsEndpoint endpoint, ReadOnlySpan<byte> peerData, TransportEndpoint local, TransportOptions options,
        RdmaTransportSettings settings, ILogger logger)
    {
        if (!ConnectionParameters.TryRead(peerData, out var peer, out var error))
        {
            throw new TransportException(TransportError.ProtocolViolation, $"Refused an RDMA connect request: {error}.");
        }
        var (receives, slots) = RegisterPools(endpoint, settings);
        try
        {
            Span<byte> reply = stackalloc byte[ConnectionParameters.Size];
            Describe(receives, slots).Write(reply);
            endpoint.Accept(reply, options.ConnectTimeout);
        }
        catch
        {
            Deregister(endpoint, receives, slots);
            throw;
        }
        var connection = new RdmaConnection(endpoint, receives, slots, peer, local, new TransportEndpoint(local.Scheme, "peer", 0), options, settings, logger);
        connection.Start();
        return connection;
    }

    private static (RegisteredSlab Receives, RegisteredSlab Slots) RegisterPools(IVerbsEndpoint endpoint, RdmaTransportSettings settings)
    {
        var receives = new RegisteredSlab(endpoint, settings.ReceiveBufferCount, settings.ReceiveBufferSize, AccessFlags.LocalWrite);
        RegisteredSlab? slots = null;
        try
        {
            slots = new RegisteredSlab(endpoint, settings.SlotCount, settings.SlotSize, AccessFlags.LocalWrite | AccessFlags.RemoteWrite);
            RdmaConnection.PostAllReceives(endpoint, receives);
            return (receives, slots);
        }
        catch
        {
            Deregister(endpoint, receives, slots);
            throw;
        }
    }

    /// <summary>A PD cannot be freed while it has MRs, so a failed setup deregisters before the endpoint goes.</summary>
    private static void Deregister(IVerbsEndpoint endpoint, RegisteredSlab? receives, RegisteredSlab? slots)
    {
        if (receives is not null)
        {
            endpoint.Deregister(receives.Region);
        }
        if (slots is not null)
        {
            endpoint.Deregister(slots.Region);
        }
    }

    private static ConnectionParameters Describe(RegisteredSlab receives, RegisteredSlab slots)
        => new(receives.Count, receives.BufferSize, slots.Count, slots.BufferSize, slots.Region.RemoteKey, (ulong)slots.Address);
}
