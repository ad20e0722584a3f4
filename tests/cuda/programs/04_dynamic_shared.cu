#include <vector>
#include "check.h"

// Reverses each block's slice through dynamically sized shared memory.
__global__ void reverse_blocks(const double *in, double *out)
{
    extern __shared__ double slice[];
    int base = blockIdx.x * blockDim.x;
    slice[threadIdx.x] = in[base + threadIdx.x];
    __syncthreads();
    out[base + threadIdx.x] = slice[blockDim.x - 1 - threadIdx.x];
}

int main()
{
    const int sizes[] = {32, 128, 512, 1024};
    int failures = 0;
    for (int block : sizes) {
        const int blocks = 37, n = block * blocks;
        std::vector<double> in(n), out(n);
        for (int i = 0; i < n; i++)
            in[i] = i * 1.5;
        double *din, *dout;
        CHECK(cudaMalloc(&din, n * sizeof(double)));
        CHECK(cudaMalloc(&dout, n * sizeof(double)));
        CHECK(cudaMemcpy(din, in.data(), n * sizeof(double), cudaMemcpyHostToDevice));
        reverse_blocks<<<blocks, block, block * sizeof(double)>>>(din, dout);
        CHECK(cudaGetLastError());
        CHECK(cudaMemcpy(out.data(), dout, n * sizeof(double), cudaMemcpyDeviceToHost));
        int wrong = 0;
        for (int b = 0; b < blocks; b++)
            for (int t = 0; t < block; t++)
                if (out[b * block + t] != in[b * block + block - 1 - t])
                    wrong++;
        std::printf("dynamic_shared block=%d bytes=%zu wrong=%d first=%.1f\n", block, block * sizeof(double), wrong,
                    out[0]);
        failures += wrong;
        CHECK(cudaFree(din));
        CHECK(cudaFree(dout));
    }
    return failures != 0;
}
