// libs:
// CUDA graphs. Part 1: stream capture of two kernels and a device-to-device copy into a graph,
// instantiated and launched 100 times. Part 2: an explicitly built graph (memset node -> kernel
// node -> kernel node), launched 50 times, then one kernel node's arguments changed in the
// executable graph with cudaGraphExecKernelNodeSetParams and launched 10 more times.
#include <vector>
#include "lib_check.h"

__global__ void add_pattern(int *x, int n, int mod)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] += i % mod;
}

__global__ void add_const(int *x, int n, int c)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] += c;
}

__global__ void accumulate(long long *acc, const int *z, int n, int factor)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) acc[i] += (long long)z[i] * factor;
}

int main()
{
    const int n = 1 << 16, threads = 256, blocks = (n + threads - 1) / threads;
    int *dX, *dY, *dZ;
    long long *dAcc;
    CHECK_CUDA(cudaMalloc(&dX, n * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dY, n * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dZ, n * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dAcc, n * sizeof(long long)));
    CHECK_CUDA(cudaMemset(dX, 0, n * sizeof(int)));
    CHECK_CUDA(cudaMemset(dAcc, 0, n * sizeof(long long)));
    cudaStream_t s;
    CHECK_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));

    // Part 1: capture x += i%7; y = x; y += 1000.
    cudaGraph_t g1;
    CHECK_CUDA(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
    add_pattern<<<blocks, threads, 0, s>>>(dX, n, 7);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaMemcpyAsync(dY, dX, n * sizeof(int), cudaMemcpyDeviceToDevice, s));
    add_const<<<blocks, threads, 0, s>>>(dY, n, 1000);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaStreamEndCapture(s, &g1));
    size_t nodes = 0;
    CHECK_CUDA(cudaGraphGetNodes(g1, nullptr, &nodes));
    cudaGraphExec_t e1;
    CHECK_CUDA(cudaGraphInstantiate(&e1, g1, 0));
    for (int it = 0; it < 100; it++) CHECK_CUDA(cudaGraphLaunch(e1, s));
    CHECK_CUDA(cudaStreamSynchronize(s));
    std::vector<int> x(n), y(n);
    CHECK_CUDA(cudaMemcpy(x.data(), dX, n * sizeof(int), cudaMemcpyDeviceToHost));
    CHECK_CUDA(cudaMemcpy(y.data(), dY, n * sizeof(int), cudaMemcpyDeviceToHost));
    bool cap_ok = true;
    long long xs = 0, ys = 0;
    for (int i = 0; i < n; i++) {
        if (x[i] != 100 * (i % 7) || y[i] != 100 * (i % 7) + 1000) cap_ok = false;
        xs += x[i];
        ys += y[i];
    }
    std::printf("captured graph: nodes=%zu after 100 launches sum(x)=%lld sum(y)=%lld correct: %s\n", nodes, xs,
                ys, cap_ok ? "yes" : "no");

    // Part 2: explicit graph. memset z=0 -> z += i%11 -> acc += z*factor.
    cudaGraph_t g2;
    CHECK_CUDA(cudaGraphCreate(&g2, 0));
    cudaMemsetParams mp = {};
    mp.dst = dZ;
    mp.pitch = n * sizeof(int);
    mp.value = 0;
    mp.elementSize = sizeof(int);
    mp.width = n;
    mp.height = 1;
    cudaGraphNode_t memsetNode, k1, k2;
    CHECK_CUDA(cudaGraphAddMemsetNode(&memsetNode, g2, nullptr, 0, &mp));

    int nArg = n, mod = 11;
    void *args1[] = {&dZ, &nArg, &mod};
    cudaKernelNodeParams kp1 = {};
    kp1.func = (void *)add_pattern;
    kp1.gridDim = dim3(blocks);
    kp1.blockDim = dim3(threads);
    kp1.sharedMemBytes = 0;
    kp1.kernelParams = args1;
    kp1.extra = nullptr;
    CHECK_CUDA(cudaGraphAddKernelNode(&k1, g2, &memsetNode, 1, &kp1));

    int factor = 2;
    void *args2[] = {&dAcc, &dZ, &nArg, &factor};
    cudaKernelNodeParams kp2 = kp1;
    kp2.func = (void *)accumulate;
    kp2.kernelParams = args2;
    CHECK_CUDA(cudaGraphAddKernelNode(&k2, g2, &k1, 1, &kp2));

    cudaGraphExec_t e2;
    CHECK_CUDA(cudaGraphInstantiate(&e2, g2, 0));
    for (int it = 0; it < 50; it++) CHECK_CUDA(cudaGraphLaunch(e2, s));
    factor = 3; // the parameters are copied when set, so the new value goes in through SetParams
    CHECK_CUDA(cudaGraphExecKernelNodeSetParams(e2, k2, &kp2));
    for (int it = 0; it < 10; it++) CHECK_CUDA(cudaGraphLaunch(e2, s));
    CHECK_CUDA(cudaStreamSynchronize(s));
    std::vector<long long> acc(n);
    CHECK_CUDA(cudaMemcpy(acc.data(), dAcc, n * sizeof(long long), cudaMemcpyDeviceToHost));
    bool exp_ok = true;
    long long as = 0;
    for (int i = 0; i < n; i++) {
        if (acc[i] != (long long)(i % 11) * (50 * 2 + 10 * 3)) exp_ok = false;
        as += acc[i];
    }
    std::printf("explicit graph: 50 launches x2 + 10 launches x3, sum(acc)=%lld correct: %s\n", as,
                exp_ok ? "yes" : "no");

    CHECK_CUDA(cudaGraphExecDestroy(e1));
    CHECK_CUDA(cudaGraphExecDestroy(e2));
    CHECK_CUDA(cudaGraphDestroy(g1));
    CHECK_CUDA(cudaGraphDestroy(g2));
    CHECK_CUDA(cudaStreamDestroy(s));
    CHECK_CUDA(cudaFree(dX));
    CHECK_CUDA(cudaFree(dY));
    CHECK_CUDA(cudaFree(dZ));
    CHECK_CUDA(cudaFree(dAcc));
    return lib_finish("16_cuda_graphs", cap_ok && exp_ok);
}
