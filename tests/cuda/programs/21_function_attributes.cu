#include "check.h"

__global__ void big_shared(int *out)
{
    extern __shared__ int dynamic[];
    dynamic[threadIdx.x] = threadIdx.x * 2;
    __syncthreads();
    out[threadIdx.x] = dynamic[(threadIdx.x + 1) % blockDim.x] + dynamic[16000 + threadIdx.x % 16];
}

__global__ void registers_and_locals(float *out, int n)
{
    float local[24];
    for (int i = 0; i < 24; i++)
        local[i] = out[(threadIdx.x + i) % n] * i;
    out[threadIdx.x] = local[threadIdx.x % 24] + local[(threadIdx.x * 7) % 24];
}

int main()
{
    cudaFuncAttributes a;
    CHECK(cudaFuncGetAttributes(&a, big_shared));
    std::printf("big_shared: maxThreads=%d static_shared=%zu maxDynamic=%d ptx>0=%d binary=%d\n",
                a.maxThreadsPerBlock, a.sharedSizeBytes, a.maxDynamicSharedSizeBytes, a.ptxVersion > 0,
                a.binaryVersion);
    CHECK(cudaFuncGetAttributes(&a, registers_and_locals));
    std::printf("registers_and_locals: maxThreads=%d regs>0=%d\n", a.maxThreadsPerBlock, a.numRegs > 0);
    const int wanted = 100 * 1024; // more than the default 48 KiB needs an opt-in
    int *out;
    CHECK(cudaMalloc(&out, 256 * sizeof(int)));
    big_shared<<<1, 256, wanted>>>(out);
    std::printf("100 KiB without opt-in: %s\n", cudaGetErrorName(cudaGetLastError()));
    CHECK(cudaFuncSetAttribute(big_shared, cudaFuncAttributeMaxDynamicSharedMemorySize, wanted));
    CHECK(cudaFuncGetAttributes(&a, big_shared));
    std::printf("after opt-in maxDynamic=%d\n", a.maxDynamicSharedSizeBytes);
    big_shared<<<1, 256, wanted>>>(out);
    CHECK(cudaGetLastError());
    int host[256];
    CHECK(cudaMemcpy(host, out, sizeof host, cudaMemcpyDeviceToHost));
    std::printf("with opt-in out[0]=%d out[255]=%d\n", host[0], host[255]);
    CHECK(cudaFuncSetCacheConfig(registers_and_locals, cudaFuncCachePreferL1));
    REPORT("attributes of a host function", cudaFuncGetAttributes(&a, (const void *)&main));
    cudaGetLastError();
    CHECK(cudaFree(out));
    return 0;
}
