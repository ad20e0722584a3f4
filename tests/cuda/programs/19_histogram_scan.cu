#include <vector>
#include "check.h"

__global__ void histogram(const unsigned char *data, int n, unsigned *bins)
{
    __shared__ unsigned local[256];
    local[threadIdx.x] = 0;
    __syncthreads();
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        atomicAdd(&local[data[i]], 1u);
    __syncthreads();
    atomicAdd(&bins[threadIdx.x], local[threadIdx.x]);
}

// Inclusive scan of 256 values in one block (Hillis-Steele).
__global__ void scan(const unsigned *in, unsigned *out)
{
    __shared__ unsigned buffer[256];
    buffer[threadIdx.x] = in[threadIdx.x];
    __syncthreads();
    for (int offset = 1; offset < 256; offset *= 2) {
        unsigned add = threadIdx.x >= offset ? buffer[threadIdx.x - offset] : 0;
        __syncthreads();
        buffer[threadIdx.x] += add;
        __syncthreads();
    }
    out[threadIdx.x] = buffer[threadIdx.x];
}

int main()
{
    const int n = 5000000;
    std::vector<unsigned char> data(n);
    std::vector<unsigned> expected(256, 0);
    unsigned state = 12345;
    for (int i = 0; i < n; i++) {
        state = state * 1103515245u + 12345u;
        data[i] = (unsigned char)(state >> 16);
        expected[data[i]]++;
    }
    unsigned char *ddata;
    unsigned *bins, *prefix;
    CHECK(cudaMalloc(&ddata, n));
    CHECK(cudaMalloc(&bins, 256 * sizeof(unsigned)));
    CHECK(cudaMalloc(&prefix, 256 * sizeof(unsigned)));
    CHECK(cudaMemcpy(ddata, data.data(), n, cudaMemcpyHostToDevice));
    CHECK(cudaMemset(bins, 0, 256 * sizeof(unsigned)));
    histogram<<<120, 256>>>(ddata, n, bins);
    scan<<<1, 256>>>(bins, prefix);
    CHECK(cudaGetLastError());
    std::vector<unsigned> host_bins(256), host_prefix(256);
    CHECK(cudaMemcpy(host_bins.data(), bins, 256 * sizeof(unsigned), cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(host_prefix.data(), prefix, 256 * sizeof(unsigned), cudaMemcpyDeviceToHost));
    int wrong = 0;
    unsigned running = 0;
    for (int b = 0; b < 256; b++) {
        running += expected[b];
        wrong += host_bins[b] != expected[b];
        wrong += host_prefix[b] != running;
    }
    std::printf("histogram+scan wrong=%d bin[0]=%u bin[255]=%u total=%u\n", wrong, host_bins[0], host_bins[255],
                host_prefix[255]);
    CHECK(cudaFree(ddata));
    CHECK(cudaFree(bins));
    CHECK(cudaFree(prefix));
    return wrong != 0;
}
