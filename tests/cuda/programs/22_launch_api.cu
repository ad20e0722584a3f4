#include "check.h"

__global__ void saxpy(float a, const float *x, float *y, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        y[i] = a * x[i] + y[i];
}

int main()
{
    const int n = 10000;
    float *x, *y, host[n];
    CHECK(cudaMalloc(&x, n * sizeof(float)));
    CHECK(cudaMalloc(&y, n * sizeof(float)));
    for (int i = 0; i < n; i++)
        host[i] = (float)i;
    CHECK(cudaMemcpy(x, host, sizeof host, cudaMemcpyHostToDevice));
    CHECK(cudaMemset(y, 0, sizeof host));
    // 1. cudaLaunchKernel with an explicit argument array.
    float a = 2.0f;
    int count = n;
    void *args[] = {&a, &x, &y, &count};
    CHECK(cudaLaunchKernel((const void *)saxpy, dim3((n + 255) / 256), dim3(256), args, 0, nullptr));
    // 2. cudaLaunchKernelEx with a configuration and a no-op attribute.
    cudaLaunchConfig_t config = {};
    config.gridDim = dim3((n + 127) / 128);
    config.blockDim = dim3(128);
    cudaLaunchAttribute attribute[1];
    attribute[0].id = cudaLaunchAttributeClusterDimension;
    attribute[0].val.clusterDim.x = 1;
    attribute[0].val.clusterDim.y = 1;
    attribute[0].val.clusterDim.z = 1;
    config.attrs = attribute;
    config.numAttrs = 1;
    CHECK(cudaLaunchKernelEx(&config, saxpy, 0.5f, (const float *)x, y, n));
    // 3. The <<<>>> path, on the per-thread default stream.
    saxpy<<<(n + 511) / 512, 512, 0, cudaStreamPerThread>>>(1.0f, x, y, n);
    CHECK(cudaStreamSynchronize(cudaStreamPerThread));
    CHECK(cudaMemcpy(host, y, sizeof host, cudaMemcpyDeviceToHost));
    int wrong = 0;
    for (int i = 0; i < n; i++)
        wrong += host[i] != 3.5f * i;
    std::printf("three launch paths wrong=%d y[9999]=%.1f\n", wrong, host[n - 1]);
    REPORT("launch of a host function", cudaLaunchKernel((const void *)&main, dim3(1), dim3(1), args, 0, nullptr));
    cudaGetLastError();
    CHECK(cudaFree(x));
    CHECK(cudaFree(y));
    return wrong != 0;
}
