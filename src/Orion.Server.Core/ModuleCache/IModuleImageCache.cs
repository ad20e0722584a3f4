namespace Orion.Server.Core.ModuleCache;

/// <summary>Module images by content (SHA-256).</summary>
internal interface IModuleImageCache
{
    /// <summary>The image whose SHA-256 is <paramref name="sha256"/> and whose size is <paramref name="bytes"/>, or null when the cache has no such image (or what it had no longer matches its name).</summary>
    byte[]? TryLoad(ReadOnlySpan<byte> sha256, ulong bytes);

    /// <summary>Keeps a copy of an image that loaded (best effort: a cache that cannot write loses nothing but speed).</summary>
    void Store(ReadOnlySpan<byte> image);
}
