using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Orion.Server.Core.ModuleCache;
using Orion.Transport;
using Orion.Transport.InMemory;

namespace Orion.Cuda.Remote.Tests;

/// <summary>
/// The server's module image cache: images kept by content on disk, verified on every read, bounded; and a
/// second client's load of the same image served from it instead of crossing the connection again.
/// </summary>
public sealed class ModuleCacheTests : RemoteCudaTestBase, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "orion-module-cache-" + Guid.NewGuid().ToString("N"));

    protected override TransportFactory CreateTransports() => new TransportFactory().Add(new InMemoryTransport());

    protected override TransportEndpoint CreateListenEndpoint() => new(InMemoryTransport.Scheme, "orion-" + Guid.NewGuid().ToString("N"), 0);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>An image big enough to be cached; the emulated device resolves kernels by name, whatever the bytes.</summary>
    private static byte[] Image(byte seed, int bytes = 128 * 1024)
    {
        var image = new byte[bytes];
        new Random(seed).NextBytes(image);
        return image;
    }

    private string PathOf(byte[] image) => Path.Combine(_directory, Convert.ToHexStringLower(SHA256.HashData(image)) + ".image");

    private DiskModuleImageCache NewCache(long maxBytes = ModuleCacheOptions.DefaultMaxBytes) =>
        new(new ModuleCacheOptions(_directory, maxBytes), NullLogger.Instance);

    [Fact]
    public void An_image_comes_back_by_its_hash_and_size_and_small_images_are_not_kept()
    {
        var cache = NewCache();
        var image = Image(1);
        cache.Store(image);
        Assert.Equal(image, cache.TryLoad(SHA256.HashData(image), (ulong)image.Length));
        Assert.Null(cache.TryLoad(SHA256.HashData(image), (ulong)image.Length - 1)); // the size is part of the name
        Assert.Null(cache.TryLoad(SHA256.HashData(Image(2)), (ulong)image.Length));  // never stored
        Assert.Null(cache.TryLoad(new byte[31], (ulong)image.Length));                // not a SHA-256
        var small = Image(3, 1000);
        cache.Store(small);
        Assert.False(File.Exists(PathOf(small)));
        Assert.Equal(1, cache.Hits);
        Assert.Equal(3, cache.Misses);
    }

    [Fact]
    public void A_file_that_does_not_match_its_name_is_refused_and_deleted()
    {
        var cache = NewCache();
        var image = Image(4);
        cache.Store(image);
        // Another image planted under this one's name (a damaged disk, or someone with access to the directory).
        var planted = Image(5);
        File.WriteAllBytes(PathOf(image), planted);
        Assert.Null(cache.TryLoad(SHA256.HashData(image), (ulong)image.Length));
        Assert.False(File.Exists(PathOf(image)));
    }

    [Fact]
    public void The_least_recently_used_images_go_when_the_bound_is_reached()
    {
        var cache = NewCache(maxBytes: 300 * 1024); // room for two 128 KiB images
        var first = Image(6);
        var second = Image(7);
        cache.Store(first);
        File.SetLastWriteTimeUtc(PathOf(first), DateTime.UtcNow.AddMinutes(-10));
        cache.Store(second);
        File.SetLastWriteTimeUtc(PathOf(second), DateTime.UtcNow.AddMinutes(-5));
        Assert.NotNull(cache.TryLoad(SHA256.HashData(first), (ulong)first.Length)); // a hit makes it the most recent
        cache.Store(Image(8));
        Assert.True(File.Exists(PathOf(first)));
        Assert.False(File.Exists(PathOf(second)));
        Assert.True(new DirectoryInfo(_directory).GetFiles("*.image").Sum(f => f.Length) <= 300 * 1024);
    }

    [Fact]
    public async Task A_second_client_loads_the_image_from_the_servers_cache()
    {
        var (server, _) = await StartServerAsync(options => options.ModuleCache = new ModuleCacheOptions(_directory));
        var image = Image(9);
        await using (var first = new RemoteGpu(await ConnectAsync(server)))
        {
            using var module = first.LoadModule(image);
            module.GetKernel("vectorAdd");
        }
        // The first load sent the image and the server kept it; age the file to see the next read touch it.
        Assert.True(File.Exists(PathOf(image)));
        var aged = DateTime.UtcNow.AddHours(-1);
        File.SetLastWriteTimeUtc(PathOf(image), aged);
        await using (var second = new RemoteGpu(await ConnectAsync(server)))
        {
            using var module = second.LoadModule(image);
            module.GetKernel("vectorAdd");
        }
        Assert.True(File.GetLastWriteTimeUtc(PathOf(image)) > aged.AddMinutes(30), "the second load was not served from the cache");

        // A planted file under the image's name is never loaded: the server finds the mismatch, the client sends the image.
        File.WriteAllBytes(PathOf(image), Image(10));
        await using (var third = new RemoteGpu(await ConnectAsync(server)))
        {
            using var module = third.LoadModule(image);
            module.GetKernel("vectorAdd");
        }
        Assert.Equal(image, File.ReadAllBytes(PathOf(image))); // re-stored from what the client sent
    }
}
