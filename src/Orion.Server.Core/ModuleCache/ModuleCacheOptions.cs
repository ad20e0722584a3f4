namespace Orion.Server.Core.ModuleCache;

/// <summary>
/// A cache of module images on the server's disk, shared by every session and worker process of the server:
/// a library's image (cuBLAS's kernels run to hundreds of MB) crosses the network once per server instead of
/// once per process. Images are named by their SHA-256, verified on every read, and the least recently used
/// go first when the directory outgrows <paramref name="MaxBytes"/>.
/// </summary>
/// <param name="Directory">Where the images are kept; created (owner-only) if missing. Give each server its own.</param>
/// <param name="MaxBytes">The most the directory may hold.</param>
public sealed record ModuleCacheOptions(string Directory, long MaxBytes = ModuleCacheOptions.DefaultMaxBytes)
{
    /// <summary>4 GiB: the biggest CUDA libraries' images for one GPU architecture, several times over.</summary>
    public const long DefaultMaxBytes = 4L << 30;

    /// <summary>Images smaller than this are sent whole every time (hashing them would cost more than it saves).</summary>
    public const int MinCachedImageBytes = 64 * 1024;
}
