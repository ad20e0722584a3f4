#include <vector>
#include "check.h"

__global__ void busy_scale(float *data, int n, float factor, int rounds)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = data[i];
        for (int r = 0; r < rounds; r++)
            v = v * factor + 1.0f - factor; // keeps v bounded, costs time
        data[i] = v + 1.0f;
    }
}

int main()
{
    const int streams_count = 4, n = 1 << 18;
    cudaStream_t streams[streams_count];
    cudaEvent_t done[streams_count], start, stop;
    float *host, *device[streams_count];
    CHECK(cudaMallocHost(&host, streams_count * n * sizeof(float)));
    for (int s = 0; s < streams_count; s++) {
        CHECK(cudaStreamCreateWithFlags(&streams[s], cudaStreamNonBlocking));
        CHECK(cudaEventCreateWithFlags(&done[s], cudaEventDisableTiming));
        CHECK(cudaMalloc(&device[s], n * sizeof(float)));
        for (int i = 0; i < n; i++)
            host[s * n + i] = (float)s;
    }
    CHECK(cudaEventCreate(&start));
    CHECK(cudaEventCreate(&stop));
    CHECK(cudaEventRecord(start, 0));
    for (int s = 0; s < streams_count; s++) {
        CHECK(cudaMemcpyAsync(device[s], host + s * n, n * sizeof(float), cudaMemcpyHostToDevice, streams[s]));
        busy_scale<<<n / 256, 256, 0, streams[s]>>>(device[s], n, 1.0f, 200);
        CHECK(cudaEventRecord(done[s], streams[s]));
    }
    // Stream 0 of the set waits for all the others, then adds one more step to every buffer.
    for (int s = 1; s < streams_count; s++)
        CHECK(cudaStreamWaitEvent(streams[0], done[s], 0));
    for (int s = 0; s < streams_count; s++)
        busy_scale<<<n / 256, 256, 0, streams[0]>>>(device[s], n, 1.0f, 1);
    for (int s = 0; s < streams_count; s++)
        CHECK(cudaMemcpyAsync(host + s * n, device[s], n * sizeof(float), cudaMemcpyDeviceToHost, streams[0]));
    CHECK(cudaEventRecord(stop, streams[0]));
    CHECK(cudaEventSynchronize(stop));
    float ms = -1;
    CHECK(cudaEventElapsedTime(&ms, start, stop));
    std::printf("elapsed_positive=%d\n", ms > 0);
    REPORT("elapsed on timing-disabled event", cudaEventElapsedTime(&ms, done[0], stop));
    cudaGetLastError();
    for (int s = 0; s < streams_count; s++) {
        double sum = 0;
        for (int i = 0; i < n; i++)
            sum += host[s * n + i];
        std::printf("stream %d sum=%.1f query=%s\n", s, sum, cudaGetErrorName(cudaStreamQuery(streams[s])));
    }
    for (int s = 0; s < streams_count; s++) {
        CHECK(cudaStreamDestroy(streams[s]));
        CHECK(cudaEventDestroy(done[s]));
        CHECK(cudaFree(device[s]));
    }
    CHECK(cudaEventDestroy(start));
    CHECK(cudaEventDestroy(stop));
    CHECK(cudaFreeHost(host));
    return 0;
}
