// A small cuBLAS SGEMM, for the driver trace.
#include <cstdio>
#include <vector>
#include <cublas_v2.h>
int main()
{
    const int n = 256;
    std::vector<float> a(n * n), b(n * n), c(n * n);
    for (int i = 0; i < n * n; i++) { a[i] = (i % 7) * 0.5f; b[i] = (i % 5) * 0.25f; }
    float *da, *db, *dc;
    cudaMalloc(&da, n * n * 4); cudaMalloc(&db, n * n * 4); cudaMalloc(&dc, n * n * 4);
    cudaMemcpy(da, a.data(), n * n * 4, cudaMemcpyHostToDevice);
    cudaMemcpy(db, b.data(), n * n * 4, cudaMemcpyHostToDevice);
    cublasHandle_t h;
    int s = cublasCreate(&h);
    float one = 1, zero = 0;
    s |= cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, da, n, db, n, &zero, dc, n);
    cudaMemcpy(c.data(), dc, n * n * 4, cudaMemcpyDeviceToHost);
    double sum = 0;
    for (float v : c) sum += v;
    cublasDestroy(h);
    std::printf("cublas status %d sum %.1f\n", s, sum);
    return s;
}
