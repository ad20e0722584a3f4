#include "check.h"

__constant__ float coefficients[8];
__device__ int counter;
__device__ int results[16];

__global__ void polynomial(int n)
{
    int i = threadIdx.x;
    if (i < n) {
        float x = (float)i, acc = 0;
        for (int k = 7; k >= 0; k--)
            acc = acc * x + coefficients[k];
        results[i] = (int)acc;
        atomicAdd(&counter, 1);
    }
}

int main()
{
    float host_coefficients[8] = {1, -2, 0.5f, 0, 0, 0, 0, 0};
    CHECK(cudaMemcpyToSymbol(coefficients, host_coefficients, sizeof host_coefficients));
    int start = 100;
    CHECK(cudaMemcpyToSymbol(counter, &start, sizeof start));
    // Offset copy: overwrite coefficients[3] only.
    float cubic = 0.25f;
    CHECK(cudaMemcpyToSymbol(coefficients, &cubic, sizeof cubic, 3 * sizeof(float)));
    polynomial<<<1, 16>>>(16);
    CHECK(cudaGetLastError());
    int host_results[16], end = 0;
    CHECK(cudaMemcpyFromSymbol(host_results, results, sizeof host_results));
    CHECK(cudaMemcpyFromSymbol(&end, counter, sizeof end));
    std::printf("counter=%d\n", end);
    for (int i = 0; i < 16; i++)
        std::printf("p(%d)=%d\n", i, host_results[i]);
    size_t size = 0;
    CHECK(cudaGetSymbolSize(&size, results));
    int *address = nullptr;
    CHECK(cudaGetSymbolAddress((void **)&address, results));
    int via_address[16];
    CHECK(cudaMemcpy(via_address, address, sizeof via_address, cudaMemcpyDeviceToHost));
    std::printf("symbol size=%zu address_nonnull=%d same=%d\n", size, address != nullptr,
                via_address[5] == host_results[5]);
    // Async symbol copy on a stream.
    cudaStream_t stream;
    CHECK(cudaStreamCreate(&stream));
    int reset = 0;
    CHECK(cudaMemcpyToSymbolAsync(counter, &reset, sizeof reset, 0, cudaMemcpyHostToDevice, stream));
    CHECK(cudaMemcpyFromSymbolAsync(&end, counter, sizeof end, 0, cudaMemcpyDeviceToHost, stream));
    CHECK(cudaStreamSynchronize(stream));
    CHECK(cudaStreamDestroy(stream));
    std::printf("counter after reset=%d\n", end);
    REPORT("out of range symbol copy", cudaMemcpyToSymbol(counter, &start, 8));
    return 0;
}
