// libs:
// Device printf in a fixed order, interleaved with host output, and a device-side assert.
// Order: each block is its own launch (blocks of one launch run in no fixed order), and inside
// the block the threads take turns, separated by __syncthreads(). Host output is flushed before
// each launch and the device's printf buffer is flushed at cudaDeviceSynchronize, so the lines
// come out as host, device..., host. The assert part runs last: after a device assert the
// context is unusable, and every later call returns cudaErrorAssert.
#include <cassert>
#include "lib_check.h"

__global__ void ordered_print(int block, int base)
{
    for (int t = 0; t < blockDim.x; t++) {
        if (threadIdx.x == t)
            printf("device: block %d thread %d value %d\n", block, t, base + block * 10 + t);
        __syncthreads();
    }
}

__global__ void check_values(const int *v, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        assert(v[i] >= 0); // exactly one element is negative
}

int main()
{
    std::printf("host: before kernels\n");
    std::fflush(stdout);
    for (int b = 0; b < 3; b++) {
        ordered_print<<<1, 4>>>(b, 100);
        CHECK_CUDA(cudaGetLastError());
        CHECK_CUDA(cudaDeviceSynchronize());
    }
    std::printf("host: after kernels\n");
    std::fflush(stdout);

    const int n = 256;
    int h[n];
    for (int i = 0; i < n; i++) h[i] = (i == 77) ? -1 : i;
    int *d;
    CHECK_CUDA(cudaMalloc(&d, n * sizeof(int)));
    CHECK_CUDA(cudaMemcpy(d, h, n * sizeof(int), cudaMemcpyHostToDevice));
    check_values<<<n / 64, 64>>>(d, n);
    CHECK_CUDA(cudaGetLastError()); // the launch itself is fine; the assert surfaces at the sync
    cudaError_t e = cudaDeviceSynchronize();
    std::fflush(stdout);
    if (e != cudaErrorAssert) {
        std::fprintf(stderr, "expected cudaErrorAssert, got %d (%s)\n", (int)e, cudaGetErrorName(e));
        return 1;
    }
    std::printf("assert reported: %s\n", cudaGetErrorName(e));
    cudaError_t again = cudaMemcpy(h, d, sizeof(int), cudaMemcpyDeviceToHost);
    std::printf("later call after assert: %s\n", cudaGetErrorName(again));
    return lib_finish("19_device_printf_assert", again == cudaErrorAssert);
}
