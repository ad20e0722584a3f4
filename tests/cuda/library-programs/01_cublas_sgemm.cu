// libs: -lcublas
// cublasSgemm, C = alpha*A*B + beta*C (column-major), M=256 N=192 K=128, against a CPU reference.
// Inputs are small multiples of 1/8, so every product and partial sum is exact in fp32 and the
// result does not depend on the summation order the library picks.
#include <cmath>
#include <vector>
#include <cublas_v2.h>
#include "lib_check.h"

static float val(int i, int mod, int off) { return (float)((i * 7 + off) % mod - mod / 2) / 8.0f; }

int main()
{
    const int M = 256, N = 192, K = 128;
    const float alpha = 1.0f, beta = 0.5f;
    std::vector<float> A((size_t)M * K), B((size_t)K * N), C((size_t)M * N), R((size_t)M * N);
    for (size_t i = 0; i < A.size(); i++) A[i] = val((int)i, 13, 3);
    for (size_t i = 0; i < B.size(); i++) B[i] = val((int)i, 11, 5);
    for (size_t i = 0; i < C.size(); i++) C[i] = val((int)i, 5, 1);

    // CPU reference (column-major: A(i,k) = A[i + k*M]).
    for (int j = 0; j < N; j++)
        for (int i = 0; i < M; i++) {
            double s = 0;
            for (int k = 0; k < K; k++) s += (double)A[i + (size_t)k * M] * B[k + (size_t)j * K];
            R[i + (size_t)j * M] = (float)(alpha * s + beta * C[i + (size_t)j * M]);
        }

    float *dA, *dB, *dC;
    CHECK_CUDA(cudaMalloc(&dA, A.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dB, B.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dC, C.size() * sizeof(float)));
    CHECK_CUDA(cudaMemcpy(dA, A.data(), A.size() * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dB, B.data(), B.size() * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dC, C.data(), C.size() * sizeof(float), cudaMemcpyHostToDevice));

    cublasHandle_t h;
    CHECK_CUBLAS(cublasCreate(&h));
    CHECK_CUBLAS(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, dA, M, dB, K, &beta, dC, M));
    CHECK_CUDA(cudaDeviceSynchronize());
    CHECK_CUDA(cudaMemcpy(C.data(), dC, C.size() * sizeof(float), cudaMemcpyDeviceToHost));

    double max_err = 0, sum = 0;
    for (size_t i = 0; i < C.size(); i++) {
        max_err = std::fmax(max_err, std::fabs((double)C[i] - R[i]));
        sum += C[i];
    }
    std::printf("sgemm %dx%dx%d\n", M, N, K);
    std::printf("C[0]=%.3f C[1000]=%.3f C[last]=%.3f\n", C[0], C[1000], C[C.size() - 1]);
    std::printf("checksum=%.3f\n", sum);
    std::printf("max_err<1e-3: %s\n", max_err < 1e-3 ? "yes" : "no");

    CHECK_CUBLAS(cublasDestroy(h));
    CHECK_CUDA(cudaFree(dA));
    CHECK_CUDA(cudaFree(dB));
    CHECK_CUDA(cudaFree(dC));
    return lib_finish("01_cublas_sgemm", max_err < 1e-3);
}
