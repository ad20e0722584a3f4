using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace Orion.Server.Core.ModuleCache;

/// <summary>
/// <see cref="IModuleImageCache"/> in a directory: one file per image, named by the SHA-256 of its content
/// (computed here, never taken from a client), written to a temporary name and renamed into place, so
/// concurrent workers never see half a file. A read hashes the file again and refuses (and deletes) one that
/// does not match its name, so a damaged or planted file can never be loaded as another image. A hit
/// refreshes the file's time; when the directory outgrows its bound, the oldest files go.
/// </summary>
internal sealed partial class DiskModuleImageCache : IModuleImageCache
{
    private const string Extension = ".image";
    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly ILogger _logger;
    private readonly Lock _evictionGate = new();
    private long _hits;
    private long _misses;

    public DiskModuleImageCache(ModuleCacheOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.Directory);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBytes, ModuleCacheOptions.MinCachedImageBytes);
        _directory = Path.GetFullPath(options.Directory);
        _maxBytes = options.MaxBytes;
        _logger = logger;
        // Owner-only: the images are the tenants' code.
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(_directory);
        }
        else
        {
            Directory.CreateDirectory(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Loads served from the cache, in this process.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Loads the cache could not serve, in this process.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    public byte[]? TryLoad(ReadOnlySpan<byte> sha256, ulong bytes)
    {
        if (sha256.Length != SHA256.HashSizeInBytes || bytes > (ulong)Array.MaxLength)
        {
            Interlocked.Increment(ref _misses);
            return null;
        }
        var path = PathOf(sha256);
        byte[] image;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || (ulong)info.Length != bytes)
            {
                Interlocked.Increment(ref _misses);
                return null;
            }
            image = File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            Interlocked.Increment(ref _misses); // evicted or replaced meanwhile by another worker
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _misses);
            return null;
        }
        if ((ulong)image.Length != bytes || !SHA256.HashData(image).AsSpan().SequenceEqual(sha256))
        {
            Log.ImageDoesNotMatchItsName(_logger, path);
            TryDelete(path);
            Interlocked.Increment(ref _misses);
            return null;
        }
        TryTouch(path);
        Interlocked.Increment(ref _hits);
        return image;
    }

    public void Store(ReadOnlySpan<byte> image)
    {
        if (image.Length < ModuleCacheOptions.MinCachedImageBytes || image.Length > _maxBytes)
        {
            return;
        }
        var path = PathOf(SHA256.HashData(image));
        if (File.Exists(path))
        {
            TryTouch(path);
            return;
        }
        var temporary = Path.Combine(_directory, $".{Guid.NewGuid():N}.tmp");
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var file = new FileStream(temporary, create))
            {
                file.Write(image);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log.CannotStore(_logger, _directory, ex.Message);
            TryDelete(temporary);
            return;
        }
        Evict();
    }

    /// <summary>Deletes the least recently used images until the directory fits its bound.</summary>
    private void Evict()
    {
        lock (_evictionGate)
        {
            var files = new DirectoryInfo(_directory).GetFiles("*" + Extension);
            var total = files.Sum(f => f.Length);
            foreach (var file in files.OrderBy(f => f.LastWriteTimeUtc))
            {
                if (total <= _maxBytes)
                {
                    break;
                }
                total -= file.Length;
                TryDelete(file.FullName);
            }
        }
    }

    private string PathOf(ReadOnlySpan<byte> sha256) => Path.Combine(_directory, Convert.ToHexStringLower(sha256) + Extension);

    private static void TryTouch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Another worker evicted it meanwhile: the image was read already.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1201, LogLevel.Warning, "Module cache: {Path} does not match its name; deleted")]
        public static partial void ImageDoesNotMatchItsName(ILogger logger, string path);

        [LoggerMessage(1202, LogLevel.Warning, "Module cache: cannot store an image in {Directory}: {Reason}")]
        public static partial void CannotStore(ILogger logger, string directory, string reason);
    }
}
