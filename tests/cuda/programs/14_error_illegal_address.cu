#include "check.h"

// Writes far outside any allocation. The error is reported at the next synchronizing call and
// is sticky: every later call in this process reports it. Must be the last thing the process does.
__global__ void out_of_bounds(int *data)
{
    data[threadIdx.x + (1ull << 36) / sizeof(int)] = 42;
}

int main()
{
    int *device;
    CHECK(cudaMalloc(&device, 1024));
    out_of_bounds<<<1, 32>>>(device);
    std::printf("launch: %s\n", cudaGetErrorName(cudaGetLastError()));
    std::printf("synchronize: %s\n", cudaGetErrorName(cudaDeviceSynchronize()));
    std::printf("get last error: %s\n", cudaGetErrorName(cudaGetLastError()));
    std::printf("get last error again: %s\n", cudaGetErrorName(cudaGetLastError()));
    int value = 0;
    std::printf("memcpy after fault: %s\n", cudaGetErrorName(cudaMemcpy(&value, device, 4, cudaMemcpyDeviceToHost)));
    void *more = nullptr;
    std::printf("malloc after fault: %s\n", cudaGetErrorName(cudaMalloc(&more, 64)));
    return 0;
}
