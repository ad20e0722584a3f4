#include "check.h"

__global__ void noop(int *out)
{
    if (out)
        out[0] = 1;
}

int main()
{
    noop<<<1, 2048>>>(nullptr);
    std::printf("2048 threads per block: %s\n", cudaGetErrorName(cudaGetLastError()));
    std::printf("after reading: %s\n", cudaGetErrorName(cudaGetLastError()));
    noop<<<dim3(1, 1, 0), 32>>>(nullptr);
    std::printf("zero grid dimension: %s\n", cudaGetErrorName(cudaGetLastError()));
    noop<<<1, dim3(32, 32, 2)>>>(nullptr);
    std::printf("block 32x32x2: %s\n", cudaGetErrorName(cudaGetLastError()));
    noop<<<1, 32, 1 << 30>>>(nullptr);
    std::printf("1 GiB dynamic shared memory: %s\n", cudaGetErrorName(cudaGetLastError()));
    // A configuration error is not sticky: the next good launch works.
    int *device;
    CHECK(cudaMalloc(&device, sizeof(int)));
    noop<<<1, 32>>>(device);
    CHECK(cudaGetLastError());
    int value = 0;
    CHECK(cudaMemcpy(&value, device, sizeof value, cudaMemcpyDeviceToHost));
    std::printf("good launch after errors wrote %d\n", value);
    CHECK(cudaFree(device));
    return 0;
}
