#include "check.h"

// Device printf output is written by the driver of the process that owns the GPU context. With
// Orion that is the server, so "device:" lines appear on the server's stdout, not the client's;
// the runner compares only the host lines and looks for the device lines in the server log.
__global__ void hello(int base)
{
    if (threadIdx.x < 4)
        printf("device: block %d thread %d value %d\n", blockIdx.x, threadIdx.x, base + threadIdx.x);
}

int main()
{
    hello<<<1, 32>>>(40);
    CHECK(cudaDeviceSynchronize());
    std::printf("host: kernel with printf finished\n");
    return 0;
}
