// libs:
// cudaDeviceSetLimit / cudaDeviceGetLimit for the stack size, the device malloc heap and the
// printf FIFO (the driver may round a request up, so only "read back >= requested" is printed),
// then kernels that allocate per thread with device-side malloc/free and with new[]/delete[].
#include <vector>
#include "lib_check.h"

__global__ void with_malloc(long long *out, int *failures)
{
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    int len = t % 8 + 1;
    int *p = (int *)malloc(len * 4 * sizeof(int));
    if (p == nullptr) {
        atomicAdd(failures, 1);
        out[t] = -1;
        return;
    }
    for (int i = 0; i < len * 4; i++) p[i] = t + i;
    long long s = 0;
    for (int i = 0; i < len * 4; i++) s += p[i];
    free(p);
    out[t] = s;
}

struct Cell {
    int v;
    __device__ Cell() : v(3) {}
};

__global__ void with_new(long long *out, int *failures)
{
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    int len = t % 5 + 2;
    Cell *c = new Cell[len]; // constructors run: every v starts at 3
    if (c == nullptr) {
        atomicAdd(failures, 1);
        out[t] = -1;
        return;
    }
    long long s = 0;
    for (int i = 0; i < len; i++) { c[i].v += t; s += c[i].v; }
    delete[] c;
    out[t] = s;
}

int main()
{
    struct { cudaLimit limit; const char *name; size_t want; } lims[] = {
        {cudaLimitStackSize, "cudaLimitStackSize", 8 * 1024},
        {cudaLimitMallocHeapSize, "cudaLimitMallocHeapSize", 64u << 20},
        {cudaLimitPrintfFifoSize, "cudaLimitPrintfFifoSize", 4u << 20},
    };
    bool ok = true;
    for (auto &l : lims) {
        CHECK_CUDA(cudaDeviceSetLimit(l.limit, l.want));
        size_t got = 0;
        CHECK_CUDA(cudaDeviceGetLimit(&got, l.limit));
        std::printf("%s: set %zu, read back >= requested: %s\n", l.name, l.want, got >= l.want ? "yes" : "no");
        ok = ok && got >= l.want;
    }

    const int blocks = 64, threads = 128, n = blocks * threads;
    long long *dOut;
    int *dFail;
    CHECK_CUDA(cudaMalloc(&dOut, n * sizeof(long long)));
    CHECK_CUDA(cudaMalloc(&dFail, sizeof(int)));
    std::vector<long long> out(n);

    CHECK_CUDA(cudaMemset(dFail, 0, sizeof(int)));
    with_malloc<<<blocks, threads>>>(dOut, dFail);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaDeviceSynchronize());
    int fails = -1;
    CHECK_CUDA(cudaMemcpy(&fails, dFail, sizeof(int), cudaMemcpyDeviceToHost));
    CHECK_CUDA(cudaMemcpy(out.data(), dOut, n * sizeof(long long), cudaMemcpyDeviceToHost));
    long long total = 0, want = 0;
    bool m_ok = fails == 0;
    for (int t = 0; t < n; t++) {
        long long L = (t % 8 + 1) * 4, w = L * t + L * (L - 1) / 2;
        if (out[t] != w) m_ok = false;
        total += out[t];
        want += w;
    }
    std::printf("device malloc/free: failures=%d total=%lld expected=%lld match: %s\n", fails, total, want,
                m_ok ? "yes" : "no");

    CHECK_CUDA(cudaMemset(dFail, 0, sizeof(int)));
    with_new<<<blocks, threads>>>(dOut, dFail);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaDeviceSynchronize());
    CHECK_CUDA(cudaMemcpy(&fails, dFail, sizeof(int), cudaMemcpyDeviceToHost));
    CHECK_CUDA(cudaMemcpy(out.data(), dOut, n * sizeof(long long), cudaMemcpyDeviceToHost));
    total = want = 0;
    bool n_ok = fails == 0;
    for (int t = 0; t < n; t++) {
        long long L = t % 5 + 2, w = L * (3 + t);
        if (out[t] != w) n_ok = false;
        total += out[t];
        want += w;
    }
    std::printf("device new[]/delete[]: failures=%d total=%lld expected=%lld match: %s\n", fails, total, want,
                n_ok ? "yes" : "no");

    CHECK_CUDA(cudaFree(dOut));
    CHECK_CUDA(cudaFree(dFail));
    return lib_finish("14_limits_device_malloc", ok && m_ok && n_ok);
}
