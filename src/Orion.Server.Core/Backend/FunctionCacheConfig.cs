namespace Orion.Server.Core.Backend;

/// <summary>A function's preferred cache configuration; values identical to CUDA's <c>CUfunc_cache</c>.</summary>
public enum FunctionCacheConfig
{
    PreferNone = 0,
    PreferShared = 1,
    PreferL1 = 2,
    PreferEqual = 3,
}
