// libs:
// Cooperative launch: cudaLaunchCooperativeKernel with as many blocks as can be co-resident
// (cudaOccupancyMaxActiveBlocksPerMultiprocessor x multiProcessorCount) and grid-wide barriers
// (cooperative_groups::this_grid().sync()). Phase 1 writes, phase 2 reads what other blocks
// wrote, phase 3 reduces per-block partial sums in block 0. Grid-stride loops make the result
// independent of the grid size, which is not printed.
#include <vector>
#include <cooperative_groups.h>
#include "lib_check.h"

namespace cg = cooperative_groups;

__global__ void phases(int *a, int *b, long long *partial, long long *total, int n)
{
    cg::grid_group grid = cg::this_grid();
    __shared__ long long red[256];
    const int stride = gridDim.x * blockDim.x;
    const int tid = blockIdx.x * blockDim.x + threadIdx.x;
    for (int i = tid; i < n; i += stride) a[i] = (i * 37) % 1001;
    grid.sync();
    // b[i] depends on an element most likely written by another block.
    long long s = 0;
    for (int i = tid; i < n; i += stride) {
        b[i] = a[(i + n / 2 + 12345) % n] - a[i];
        s += b[i] + 2 * a[(n - 1 - i)];
    }
    red[threadIdx.x] = s;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
        if (threadIdx.x < w) red[threadIdx.x] += red[threadIdx.x + w];
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.x] = red[0];
    grid.sync();
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        long long t = 0;
        for (int k = 0; k < gridDim.x; k++) t += partial[k];
        *total = t;
    }
}

int main()
{
    int dev = 0;
    CHECK_CUDA(cudaGetDevice(&dev));
    int coop = 0, sms = 0;
    CHECK_CUDA(cudaDeviceGetAttribute(&coop, cudaDevAttrCooperativeLaunch, dev));
    CHECK_CUDA(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev));
    std::printf("cooperative launch supported: %s\n", coop ? "yes" : "no");
    if (!coop)
        return lib_finish("15_cooperative_grid_sync", false);

    const int threads = 256, n = 1 << 20;
    int perSm = 0;
    CHECK_CUDA(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, phases, threads, 0));
    int blocks = perSm * sms;
    if (blocks < 1)
        return lib_finish("15_cooperative_grid_sync", false);

    int *dA, *dB;
    long long *dPartial, *dTotal;
    CHECK_CUDA(cudaMalloc(&dA, n * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dB, n * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dPartial, blocks * sizeof(long long)));
    CHECK_CUDA(cudaMalloc(&dTotal, sizeof(long long)));
    int nArg = n;
    void *args[] = {&dA, &dB, &dPartial, &dTotal, &nArg};
    CHECK_CUDA(cudaLaunchCooperativeKernel((void *)phases, dim3(blocks), dim3(threads), args, 0, 0));
    CHECK_CUDA(cudaDeviceSynchronize());

    std::vector<int> a(n), b(n);
    long long total = 0;
    CHECK_CUDA(cudaMemcpy(b.data(), dB, n * sizeof(int), cudaMemcpyDeviceToHost));
    CHECK_CUDA(cudaMemcpy(&total, dTotal, sizeof(long long), cudaMemcpyDeviceToHost));
    for (int i = 0; i < n; i++) a[i] = (i * 37) % 1001;
    long long want = 0;
    bool b_ok = true;
    for (int i = 0; i < n; i++) {
        int bi = a[(i + n / 2 + 12345) % n] - a[i];
        if (b[i] != bi) b_ok = false;
        want += bi + 2LL * a[n - 1 - i];
    }
    std::printf("cross-block reads after grid.sync correct: %s\n", b_ok ? "yes" : "no");
    std::printf("grid reduction total=%lld expected=%lld\n", total, want);

    CHECK_CUDA(cudaFree(dA));
    CHECK_CUDA(cudaFree(dB));
    CHECK_CUDA(cudaFree(dPartial));
    CHECK_CUDA(cudaFree(dTotal));
    return lib_finish("15_cooperative_grid_sync", b_ok && total == want);
}
