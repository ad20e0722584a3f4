// libs: -rdc=true
// Relocatable device code (-rdc=true, nvcc device-links the single object): an extern __device__
// function and an extern __device__ variable declared before use and defined further down, a
// __device__ variable shared across kernel launches (read back with cudaMemcpyFromSymbol), and
// device functions called through function pointers, both from a __device__ table and from a
// pointer fetched to the host and passed back as a kernel argument.
#include <vector>
#include "lib_check.h"

extern __device__ int combine(int a, int b); // defined after its callers
extern __device__ int g_bias;                // likewise
__device__ unsigned long long g_launches;    // shared by every kernel below

typedef int (*binop_t)(int, int);
__device__ int op_add(int a, int b) { return a + b; }
__device__ int op_mul(int a, int b) { return a * b; }
__device__ int op_max(int a, int b) { return a > b ? a : b; }
__device__ binop_t g_ops[3] = {op_add, op_mul, op_max};
__device__ binop_t g_ptr_for_host = op_max;

__global__ void k_combine(int *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = combine(i, i % 3);
    if (i == 0) atomicAdd(&g_launches, 1ull);
}

__global__ void k_table(int *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = g_ops[i % 3](i % 100, 7);
    if (i == 0) atomicAdd(&g_launches, 1ull);
}

__global__ void k_pointer(binop_t f, int *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = f(i % 50, 25);
    if (i == 0) atomicAdd(&g_launches, 1ull);
}

__device__ int g_bias = 5;
__device__ int combine(int a, int b) { return a * 2 + b + g_bias; }

int main()
{
    const int n = 3000, threads = 128, blocks = (n + threads - 1) / threads;
    int *dOut;
    CHECK_CUDA(cudaMalloc(&dOut, n * sizeof(int)));
    std::vector<int> out(n);
    bool ok = true;

    unsigned long long zero = 0;
    CHECK_CUDA(cudaMemcpyToSymbol(g_launches, &zero, sizeof(zero)));
    int bias = 11;
    CHECK_CUDA(cudaMemcpyToSymbol(g_bias, &bias, sizeof(bias)));

    k_combine<<<blocks, threads>>>(dOut, n);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaMemcpy(out.data(), dOut, n * sizeof(int), cudaMemcpyDeviceToHost));
    bool c_ok = true;
    long long cs = 0;
    for (int i = 0; i < n; i++) {
        if (out[i] != i * 2 + i % 3 + bias) c_ok = false;
        cs += out[i];
    }
    std::printf("extern device function + variable: sum=%lld correct: %s\n", cs, c_ok ? "yes" : "no");

    k_table<<<blocks, threads>>>(dOut, n);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaMemcpy(out.data(), dOut, n * sizeof(int), cudaMemcpyDeviceToHost));
    bool t_ok = true;
    long long ts = 0;
    for (int i = 0; i < n; i++) {
        int a = i % 100, w = (i % 3 == 0) ? a + 7 : (i % 3 == 1) ? a * 7 : (a > 7 ? a : 7);
        if (out[i] != w) t_ok = false;
        ts += out[i];
    }
    std::printf("function pointer table: sum=%lld correct: %s\n", ts, t_ok ? "yes" : "no");

    binop_t hostCopy = nullptr; // a device address, only passed back, never printed
    CHECK_CUDA(cudaMemcpyFromSymbol(&hostCopy, g_ptr_for_host, sizeof(hostCopy)));
    k_pointer<<<blocks, threads>>>(hostCopy, dOut, n);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaMemcpy(out.data(), dOut, n * sizeof(int), cudaMemcpyDeviceToHost));
    bool p_ok = true;
    long long ps = 0;
    for (int i = 0; i < n; i++) {
        int a = i % 50, w = a > 25 ? a : 25;
        if (out[i] != w) p_ok = false;
        ps += out[i];
    }
    std::printf("function pointer from host: sum=%lld correct: %s\n", ps, p_ok ? "yes" : "no");

    unsigned long long launches = 0;
    CHECK_CUDA(cudaMemcpyFromSymbol(&launches, g_launches, sizeof(launches)));
    std::printf("launches counted in a __device__ variable: %llu\n", launches);
    ok = c_ok && t_ok && p_ok && launches == 3;

    CHECK_CUDA(cudaFree(dOut));
    return lib_finish("18_rdc_device_linkage", ok);
}
