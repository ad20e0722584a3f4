#include "check.h"

int main()
{
    int *device;
    CHECK(cudaMalloc(&device, 256));
    REPORT("free interior pointer", cudaFree(device + 4));
    std::printf("last error: %s\n", cudaGetErrorName(cudaGetLastError()));
    CHECK(cudaFree(device));
    REPORT("double free", cudaFree(device));
    cudaGetLastError();
    int on_stack = 0;
    REPORT("free host pointer", cudaFree(&on_stack));
    cudaGetLastError();
    REPORT("free null", cudaFree(nullptr));
    REPORT("free host of device pointer", cudaFreeHost((void *)0x1234));
    cudaGetLastError();
    // The context is still usable after these (non-sticky) errors.
    CHECK(cudaMalloc(&device, 256));
    CHECK(cudaMemset(device, 1, 256));
    unsigned char bytes[4];
    CHECK(cudaMemcpy(bytes, device, 4, cudaMemcpyDeviceToHost));
    std::printf("still usable: %d %d\n", bytes[0], bytes[3]);
    CHECK(cudaFree(device));
    return 0;
}
