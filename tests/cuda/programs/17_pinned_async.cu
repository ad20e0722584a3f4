#include "check.h"

__global__ void increment(unsigned *data, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        data[i] += 1u + (unsigned)i % 7u;
}

int main()
{
    const int n = 1 << 22; // 16 MiB, several transfer chunks
    unsigned *pinned, *portable, *device;
    CHECK(cudaMallocHost(&pinned, n * sizeof(unsigned)));
    CHECK(cudaHostAlloc(&portable, n * sizeof(unsigned), cudaHostAllocPortable));
    CHECK(cudaMalloc(&device, n * sizeof(unsigned)));
    for (int i = 0; i < n; i++)
        pinned[i] = (unsigned)i * 2654435761u;
    cudaStream_t stream;
    CHECK(cudaStreamCreate(&stream));
    CHECK(cudaMemcpyAsync(device, pinned, n * sizeof(unsigned), cudaMemcpyHostToDevice, stream));
    increment<<<n / 256, 256, 0, stream>>>(device, n);
    CHECK(cudaMemsetAsync(device, 0, 16 * sizeof(unsigned), stream));
    CHECK(cudaMemcpyAsync(portable, device, n * sizeof(unsigned), cudaMemcpyDeviceToHost, stream));
    CHECK(cudaStreamSynchronize(stream));
    int wrong = 0;
    unsigned long long checksum = 0;
    for (int i = 0; i < n; i++) {
        unsigned expected = i < 16 ? 0u : pinned[i] + 1u + (unsigned)i % 7u;
        wrong += portable[i] != expected;
        checksum += portable[i];
    }
    unsigned flags = 99;
    CHECK(cudaHostGetFlags(&flags, portable));
    // CUDA adds cudaHostAllocMapped on its own on UVA systems; Orion cannot map, so only the
    // portable bit is compared.
    std::printf("async round trip wrong=%d checksum=%llu portable=%u\n", wrong, checksum,
                flags & cudaHostAllocPortable);
    // Registered (pageable) host memory behaves like any host buffer.
    static unsigned registered[1024];
    CHECK(cudaHostRegister(registered, sizeof registered, cudaHostRegisterDefault));
    CHECK(cudaMemcpy(registered, device + 100, sizeof registered, cudaMemcpyDeviceToHost));
    std::printf("registered[0]=%u\n", registered[0]);
    REPORT("register twice", cudaHostRegister(registered, sizeof registered, 0));
    cudaGetLastError();
    CHECK(cudaHostUnregister(registered));
    REPORT("unregister twice", cudaHostUnregister(registered));
    cudaGetLastError();
    CHECK(cudaStreamDestroy(stream));
    CHECK(cudaFree(device));
    CHECK(cudaFreeHost(pinned));
    CHECK(cudaFreeHost(portable));
    return wrong != 0;
}
