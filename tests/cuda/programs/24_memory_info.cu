#include "check.h"

__global__ void touch(char *p, size_t n)
{
    for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        p[i] = (char)(i & 0x7f);
}

int main()
{
    size_t free_before = 0, total = 0, free_after = 0;
    CHECK(cudaMemGetInfo(&free_before, &total));
    const size_t big = 1ull << 30;
    char *p;
    CHECK(cudaMalloc(&p, big));
    CHECK(cudaMemGetInfo(&free_after, &total));
    std::printf("total>0=%d free<=total=%d allocation visible=%d\n", total > 0, free_before <= total,
                free_before - free_after >= big);
    touch<<<256, 256>>>(p, big);
    char tail[4];
    CHECK(cudaMemcpy(tail, p + big - 4, 4, cudaMemcpyDeviceToHost));
    std::printf("tail=%d %d %d %d\n", tail[0], tail[1], tail[2], tail[3]);
    CHECK(cudaFree(p));
    // Stream-ordered allocation.
    cudaStream_t stream;
    CHECK(cudaStreamCreate(&stream));
    int *q;
    CHECK(cudaMallocAsync((void **)&q, 4096, stream));
    CHECK(cudaMemsetAsync(q, 0x01, 4096, stream));
    int value = 0;
    CHECK(cudaMemcpyAsync(&value, q + 1000, sizeof value, cudaMemcpyDeviceToHost, stream));
    CHECK(cudaFreeAsync(q, stream));
    CHECK(cudaStreamSynchronize(stream));
    std::printf("stream-ordered value=0x%08x\n", value);
    CHECK(cudaStreamDestroy(stream));
    void *zero = (void *)0x1;
    CHECK(cudaMalloc(&zero, 0));
    std::printf("malloc(0) gives null=%d\n", zero == nullptr);
    return 0;
}
