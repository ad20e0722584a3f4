// libs: -lcublas
// Batched GEMM two ways: cublasSgemmStridedBatched (one buffer per operand, fixed strides) and
// cublasSgemmBatched (device arrays of per-matrix pointers, here with A transposed).
#include <cmath>
#include <vector>
#include <cublas_v2.h>
#include "lib_check.h"

static const int BATCH = 8, M = 48, N = 40, K = 32;

static float val(int i, int mod, int off) { return (float)((i * 3 + off) % mod - mod / 2 + 1) / 4.0f; }

// C_b = A_b(op) * B_b for every batch entry; A is MxK (N) or stored KxM (T).
static void reference(const std::vector<float> &A, const std::vector<float> &B, std::vector<float> &R,
                      bool transA)
{
    for (int b = 0; b < BATCH; b++)
        for (int j = 0; j < N; j++)
            for (int i = 0; i < M; i++) {
                double s = 0;
                for (int k = 0; k < K; k++) {
                    float a = transA ? A[b * M * K + k + i * K] : A[b * M * K + i + k * M];
                    s += (double)a * B[b * K * N + k + j * K];
                }
                R[b * M * N + i + j * M] = (float)s;
            }
}

static double compare(const std::vector<float> &C, const std::vector<float> &R, double *sum)
{
    double e = 0;
    *sum = 0;
    for (size_t i = 0; i < C.size(); i++) {
        e = std::fmax(e, std::fabs((double)C[i] - R[i]));
        *sum += C[i];
    }
    return e;
}

int main()
{
    const float alpha = 1.0f, beta = 0.0f;
    std::vector<float> A(BATCH * M * K), B(BATCH * K * N), C(BATCH * M * N), R(BATCH * M * N);
    for (size_t i = 0; i < A.size(); i++) A[i] = val((int)i, 9, 1);
    for (size_t i = 0; i < B.size(); i++) B[i] = val((int)i, 7, 2);

    float *dA, *dB, *dC;
    CHECK_CUDA(cudaMalloc(&dA, A.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dB, B.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dC, C.size() * sizeof(float)));
    CHECK_CUDA(cudaMemcpy(dA, A.data(), A.size() * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dB, B.data(), B.size() * sizeof(float), cudaMemcpyHostToDevice));

    cublasHandle_t h;
    CHECK_CUBLAS(cublasCreate(&h));

    // 1. Strided batched, no transposition.
    CHECK_CUDA(cudaMemset(dC, 0, C.size() * sizeof(float)));
    CHECK_CUBLAS(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, dA, M,
                                           (long long)M * K, dB, K, (long long)K * N, &beta, dC, M,
                                           (long long)M * N, BATCH));
    CHECK_CUDA(cudaMemcpy(C.data(), dC, C.size() * sizeof(float), cudaMemcpyDeviceToHost));
    reference(A, B, R, false);
    double sum1, err1 = compare(C, R, &sum1);
    std::printf("strided batched: batches=%d C[0]=%.3f C[last]=%.3f checksum=%.3f max_err<1e-3: %s\n",
                BATCH, C[0], C[C.size() - 1], sum1, err1 < 1e-3 ? "yes" : "no");

    // 2. Pointer-array batched, A stored as KxM and transposed; batch order reversed on purpose.
    std::vector<float *> hA(BATCH), hB(BATCH), hC(BATCH);
    for (int b = 0; b < BATCH; b++) {
        hA[b] = dA + b * M * K;
        hB[b] = dB + b * K * N;
        hC[b] = dC + (BATCH - 1 - b) * M * N;
    }
    float **dAp, **dBp, **dCp;
    CHECK_CUDA(cudaMalloc(&dAp, BATCH * sizeof(float *)));
    CHECK_CUDA(cudaMalloc(&dBp, BATCH * sizeof(float *)));
    CHECK_CUDA(cudaMalloc(&dCp, BATCH * sizeof(float *)));
    CHECK_CUDA(cudaMemcpy(dAp, hA.data(), BATCH * sizeof(float *), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dBp, hB.data(), BATCH * sizeof(float *), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dCp, hC.data(), BATCH * sizeof(float *), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemset(dC, 0, C.size() * sizeof(float)));
    CHECK_CUBLAS(cublasSgemmBatched(h, CUBLAS_OP_T, CUBLAS_OP_N, M, N, K, &alpha, dAp, K, dBp, K,
                                    &beta, dCp, M, BATCH));
    CHECK_CUDA(cudaMemcpy(C.data(), dC, C.size() * sizeof(float), cudaMemcpyDeviceToHost));
    reference(A, B, R, true);
    std::vector<float> Rrev(R.size());
    for (int b = 0; b < BATCH; b++)
        for (int i = 0; i < M * N; i++) Rrev[(BATCH - 1 - b) * M * N + i] = R[b * M * N + i];
    double sum2, err2 = compare(C, Rrev, &sum2);
    std::printf("pointer batched: batches=%d C[0]=%.3f C[last]=%.3f checksum=%.3f max_err<1e-3: %s\n",
                BATCH, C[0], C[C.size() - 1], sum2, err2 < 1e-3 ? "yes" : "no");

    CHECK_CUBLAS(cublasDestroy(h));
    CHECK_CUDA(cudaFree(dA));
    CHECK_CUDA(cudaFree(dB));
    CHECK_CUDA(cudaFree(dC));
    CHECK_CUDA(cudaFree(dAp));
    CHECK_CUDA(cudaFree(dBp));
    CHECK_CUDA(cudaFree(dCp));
    return lib_finish("03_cublas_batched", err1 < 1e-3 && err2 < 1e-3);
}
