// Runtime features beyond the basics, for the driver trace: limits, device malloc and printf,
// texture objects, graphs, the stream-ordered allocator, cooperative launch.
#include <cstdio>
#include <cooperative_groups.h>
namespace cg = cooperative_groups;
__global__ void heap(int *out) { int *p = (int *)malloc(16); p[0] = threadIdx.x; out[threadIdx.x] = p[0]; free(p); if (threadIdx.x == 0) printf("device says hi\n"); }
__global__ void tex(cudaTextureObject_t t, float *out) { out[threadIdx.x] = tex2D<float>(t, threadIdx.x + 0.5f, 0.5f); }
__global__ void coop(int *x) { cg::this_grid().sync(); x[blockIdx.x] = 1; }
__global__ void inc(int *x) { x[threadIdx.x]++; }
int main()
{
    int e = 0;
    e |= cudaDeviceSetLimit(cudaLimitMallocHeapSize, 64 << 20);
    e |= cudaDeviceSetLimit(cudaLimitStackSize, 4096);
    int *d; e |= cudaMalloc(&d, 4096);
    heap<<<1, 32>>>(d); e |= cudaDeviceSynchronize();
    cudaArray_t arr; cudaChannelFormatDesc cd = cudaCreateChannelDesc<float>();
    e |= cudaMallocArray(&arr, &cd, 32, 1);
    float h[32]; for (int i = 0; i < 32; i++) h[i] = i;
    e |= cudaMemcpy2DToArray(arr, 0, 0, h, 128, 128, 1, cudaMemcpyHostToDevice);
    cudaResourceDesc rd = {}; rd.resType = cudaResourceTypeArray; rd.res.array.array = arr;
    cudaTextureDesc td = {}; td.filterMode = cudaFilterModePoint; td.readMode = cudaReadModeElementType;
    cudaTextureObject_t t; e |= cudaCreateTextureObject(&t, &rd, &td, nullptr);
    float *df; e |= cudaMalloc(&df, 128); tex<<<1, 32>>>(t, df); e |= cudaDeviceSynchronize();
    cudaStream_t s; e |= cudaStreamCreate(&s);
    cudaGraph_t g; cudaGraphExec_t ge;
    e |= cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal);
    inc<<<1, 32, 0, s>>>(d);
    e |= cudaStreamEndCapture(s, &g);
    e |= cudaGraphInstantiate(&ge, g, 0);
    for (int i = 0; i < 10; i++) e |= cudaGraphLaunch(ge, s);
    int *pa; e |= cudaMallocAsync(&pa, 1024, s); e |= cudaFreeAsync(pa, s);
    e |= cudaStreamSynchronize(s);
    void *args[] = {&d};
    e |= cudaLaunchCooperativeKernel((void *)coop, 4, 32, args, 0, s);
    e |= cudaStreamSynchronize(s);
    std::printf("runtime mix errors %d\n", e);
    return e;
}
