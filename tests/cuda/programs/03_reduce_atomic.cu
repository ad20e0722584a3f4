#include <vector>
#include "check.h"

__global__ void block_sum(const int *in, int n, unsigned long long *total, int *maximum)
{
    __shared__ int partial[256];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    int value = i < n ? in[i] : 0;
    partial[threadIdx.x] = value;
    if (i < n)
        atomicMax(maximum, value);
    __syncthreads();
    for (int stride = blockDim.x / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride)
            partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        atomicAdd(total, (unsigned long long)partial[0]);
}

int main()
{
    const int n = 3000001;
    std::vector<int> data(n);
    unsigned long long expected = 0;
    int expected_max = 0;
    for (int i = 0; i < n; i++) {
        data[i] = (i * 2654435761u) % 1000;
        expected += data[i];
        expected_max = data[i] > expected_max ? data[i] : expected_max;
    }
    int *din, *dmax;
    unsigned long long *dtotal;
    CHECK(cudaMalloc(&din, n * sizeof(int)));
    CHECK(cudaMalloc(&dtotal, sizeof(unsigned long long)));
    CHECK(cudaMalloc(&dmax, sizeof(int)));
    CHECK(cudaMemcpy(din, data.data(), n * sizeof(int), cudaMemcpyHostToDevice));
    CHECK(cudaMemset(dtotal, 0, sizeof(unsigned long long)));
    CHECK(cudaMemset(dmax, 0, sizeof(int)));
    block_sum<<<(n + 255) / 256, 256>>>(din, n, dtotal, dmax);
    CHECK(cudaGetLastError());
    unsigned long long total = 0;
    int maximum = 0;
    CHECK(cudaMemcpy(&total, dtotal, sizeof total, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(&maximum, dmax, sizeof maximum, cudaMemcpyDeviceToHost));
    std::printf("reduce n=%d total=%llu expected=%llu max=%d expected_max=%d\n", n, total, expected, maximum,
                expected_max);
    CHECK(cudaFree(din));
    CHECK(cudaFree(dtotal));
    CHECK(cudaFree(dmax));
    return total != expected || maximum != expected_max;
}
