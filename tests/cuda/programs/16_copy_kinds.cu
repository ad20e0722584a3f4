#include <vector>
#include "check.h"

int main()
{
    const int n = 4096;
    std::vector<int> source(n), target(n, -1), host_copy(n, -1);
    for (int i = 0; i < n; i++)
        source[i] = i * 3 - 7;
    int *a, *b;
    CHECK(cudaMalloc(&a, n * sizeof(int)));
    CHECK(cudaMalloc(&b, n * sizeof(int)));
    CHECK(cudaMemcpy(a, source.data(), n * sizeof(int), cudaMemcpyDefault));      // inferred host->device
    CHECK(cudaMemcpy(b, a, n * sizeof(int), cudaMemcpyDefault));                  // inferred device->device
    CHECK(cudaMemcpy(target.data(), b, n * sizeof(int), cudaMemcpyDefault));      // inferred device->host
    CHECK(cudaMemcpy(host_copy.data(), target.data(), n * sizeof(int), cudaMemcpyHostToHost));
    int same = source == host_copy;
    std::printf("default-kind round trip same=%d\n", same);
    CHECK(cudaMemset(b + 100, 0x7f, 10 * sizeof(int)));
    CHECK(cudaMemcpy(target.data(), b, n * sizeof(int), cudaMemcpyDeviceToHost));
    std::printf("memset: %d %d %d\n", target[99], target[100], target[110]);
    CHECK(cudaMemcpy(b, a + 1000, 16 * sizeof(int), cudaMemcpyDeviceToDevice));
    CHECK(cudaMemcpy(target.data(), b, 16 * sizeof(int), cudaMemcpyDeviceToHost));
    std::printf("offset d2d: %d %d\n", target[0], target[15]);
    cudaPointerAttributes attributes;
    CHECK(cudaPointerGetAttributes(&attributes, a + 10));
    std::printf("device pointer: type=%d device=%d\n", (int)attributes.type, attributes.device);
    CHECK(cudaPointerGetAttributes(&attributes, source.data()));
    std::printf("pageable pointer: type=%d\n", (int)attributes.type);
    int *pinned;
    CHECK(cudaMallocHost(&pinned, 64));
    CHECK(cudaPointerGetAttributes(&attributes, pinned));
    std::printf("pinned pointer: type=%d\n", (int)attributes.type);
    CHECK(cudaFreeHost(pinned));
    REPORT("bad direction", cudaMemcpy(b, a, 4, (cudaMemcpyKind)17));
    cudaGetLastError();
    CHECK(cudaFree(a));
    CHECK(cudaFree(b));
    return !same;
}
