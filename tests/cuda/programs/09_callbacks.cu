#include <atomic>
#include <vector>
#include "check.h"

static std::atomic<int> order{0};
static int seen_at[4];
static int copied_value = -1;

__global__ void fill(int *data, int value)
{
    data[threadIdx.x] = value + threadIdx.x;
}

static void CUDART_CB stream_callback(cudaStream_t, cudaError_t status, void *user)
{
    int slot = (int)(size_t)user;
    seen_at[slot] = order.fetch_add(1);
    if (status != cudaSuccess)
        seen_at[slot] = -100;
}

static void CUDART_CB host_function(void *user)
{
    int *pinned = (int *)user;
    copied_value = pinned[10]; // the copy before this point in the stream has completed
    seen_at[2] = order.fetch_add(1);
}

int main()
{
    cudaStream_t stream;
    CHECK(cudaStreamCreate(&stream));
    int *device, *pinned;
    CHECK(cudaMalloc(&device, 64 * sizeof(int)));
    CHECK(cudaMallocHost(&pinned, 64 * sizeof(int)));
    fill<<<1, 64, 0, stream>>>(device, 1000);
    CHECK(cudaStreamAddCallback(stream, stream_callback, (void *)0, 0));
    fill<<<1, 64, 0, stream>>>(device, 2000);
    CHECK(cudaStreamAddCallback(stream, stream_callback, (void *)1, 0));
    CHECK(cudaMemcpyAsync(pinned, device, 64 * sizeof(int), cudaMemcpyDeviceToHost, stream));
    CHECK(cudaLaunchHostFunc(stream, host_function, pinned));
    CHECK(cudaStreamAddCallback(stream, stream_callback, (void *)3, 0));
    CHECK(cudaStreamSynchronize(stream));
    std::printf("callback order: %d %d %d %d\n", seen_at[0], seen_at[1], seen_at[2], seen_at[3]);
    std::printf("host function saw %d\n", copied_value);
    REPORT("callback with flags", cudaStreamAddCallback(stream, stream_callback, (void *)0, 1));
    cudaGetLastError();
    CHECK(cudaStreamDestroy(stream));
    CHECK(cudaFree(device));
    CHECK(cudaFreeHost(pinned));
    return 0;
}
