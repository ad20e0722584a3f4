// libs:
// Stream-ordered allocator: cudaMallocAsync/cudaFreeAsync on the device's default pool (with a
// release threshold set and read back), then a custom pool from cudaMemPoolCreate used through
// cudaMallocFromPoolAsync, trimmed with cudaMemPoolTrimTo. Only values that do not depend on
// the allocator's internal granularity are printed.
#include <cstdint>
#include <vector>
#include "lib_check.h"

__global__ void fill(int *p, int n, int base)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) p[i] = base + i;
}

__global__ void add_from(int *dst, const int *src, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) dst[i] += src[i];
}

int main()
{
    int dev = 0;
    CHECK_CUDA(cudaGetDevice(&dev));
    int pools = 0;
    CHECK_CUDA(cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, dev));
    std::printf("memory pools supported: %s\n", pools ? "yes" : "no");
    if (!pools)
        return lib_finish("17_memory_pools", false);

    const int n = 1 << 18, threads = 256, blocks = (n + threads - 1) / threads;
    const size_t bytes = n * sizeof(int);
    cudaStream_t s;
    CHECK_CUDA(cudaStreamCreate(&s));

    // Default pool.
    cudaMemPool_t defPool;
    CHECK_CUDA(cudaDeviceGetDefaultMemPool(&defPool, dev));
    uint64_t threshold = 64ull << 20, readBack = 0;
    CHECK_CUDA(cudaMemPoolSetAttribute(defPool, cudaMemPoolAttrReleaseThreshold, &threshold));
    CHECK_CUDA(cudaMemPoolGetAttribute(defPool, cudaMemPoolAttrReleaseThreshold, &readBack));
    std::printf("default pool release threshold read back: %llu\n", (unsigned long long)readBack);

    int *a = nullptr, *b = nullptr;
    CHECK_CUDA(cudaMallocAsync((void **)&a, bytes, s));
    CHECK_CUDA(cudaMallocAsync((void **)&b, bytes, s));
    fill<<<blocks, threads, 0, s>>>(a, n, 0);
    fill<<<blocks, threads, 0, s>>>(b, n, 1000);
    add_from<<<blocks, threads, 0, s>>>(a, b, n);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaFreeAsync(b, s));
    std::vector<int> h(n);
    CHECK_CUDA(cudaMemcpyAsync(h.data(), a, bytes, cudaMemcpyDeviceToHost, s));
    CHECK_CUDA(cudaFreeAsync(a, s));
    CHECK_CUDA(cudaStreamSynchronize(s));
    bool def_ok = true;
    for (int i = 0; i < n; i++)
        if (h[i] != 2 * i + 1000) def_ok = false;
    uint64_t used = 1;
    CHECK_CUDA(cudaMemPoolGetAttribute(defPool, cudaMemPoolAttrUsedMemCurrent, &used));
    std::printf("default pool: data correct: %s, in use after frees: %llu\n", def_ok ? "yes" : "no",
                (unsigned long long)used);

    // Custom pool.
    cudaMemPoolProps props = {};
    props.allocType = cudaMemAllocationTypePinned;
    props.handleTypes = cudaMemHandleTypeNone;
    props.location.type = cudaMemLocationTypeDevice;
    props.location.id = dev;
    cudaMemPool_t pool;
    CHECK_CUDA(cudaMemPoolCreate(&pool, &props));
    uint64_t zero = 0;
    CHECK_CUDA(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &zero));
    long long total = 0;
    for (int round = 0; round < 3; round++) {
        int *c = nullptr;
        CHECK_CUDA(cudaMallocFromPoolAsync((void **)&c, bytes, pool, s));
        fill<<<blocks, threads, 0, s>>>(c, n, round * 7);
        CHECK_CUDA(cudaGetLastError());
        CHECK_CUDA(cudaMemcpyAsync(h.data(), c, bytes, cudaMemcpyDeviceToHost, s));
        CHECK_CUDA(cudaFreeAsync(c, s));
        CHECK_CUDA(cudaStreamSynchronize(s));
        for (int i = 0; i < n; i++) total += h[i] - i;
    }
    uint64_t usedCustom = 1;
    CHECK_CUDA(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &usedCustom));
    CHECK_CUDA(cudaMemPoolTrimTo(pool, 0));
    uint64_t reserved = 1;
    CHECK_CUDA(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved));
    long long want = (long long)n * (0 + 7 + 14);
    std::printf("custom pool: 3 rounds total=%lld expected=%lld, in use after frees: %llu, reserved after trim: %llu\n",
                total, want, (unsigned long long)usedCustom, (unsigned long long)reserved);

    CHECK_CUDA(cudaMemPoolDestroy(pool));
    CHECK_CUDA(cudaStreamDestroy(s));
    return lib_finish("17_memory_pools", def_ok && used == 0 && total == want && usedCustom == 0 && reserved == 0);
}
