#include "check.h"

__global__ void light(float *out)
{
    out[blockIdx.x * blockDim.x + threadIdx.x] = threadIdx.x;
}

__global__ void heavy_shared(float *out)
{
    __shared__ float buffer[8192];
    buffer[threadIdx.x] = threadIdx.x;
    __syncthreads();
    out[blockIdx.x * blockDim.x + threadIdx.x] = buffer[blockDim.x - 1 - threadIdx.x];
}

int main()
{
    const int sizes[] = {64, 128, 256, 512, 1024};
    for (int block : sizes) {
        int light_blocks = 0, heavy_blocks = 0, dynamic_blocks = 0;
        CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&light_blocks, light, block, 0));
        CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&heavy_blocks, heavy_shared, block, 0));
        CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(&dynamic_blocks, light, block, 20000,
                                                                     cudaOccupancyDefault));
        std::printf("block=%d light=%d heavy=%d light+20KB=%d\n", block, light_blocks, heavy_blocks, dynamic_blocks);
    }
    int blocks = 0;
    REPORT("block size 0", cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, light, 0, 0));
    cudaGetLastError();
    return 0;
}
