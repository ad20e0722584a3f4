// libs: -lcublasLt
// cuBLASLt: D = alpha*op(A)*B + beta*C with A transposed (set through the matmul descriptor),
// matrix layouts, a preference limiting the workspace, the heuristic's first algorithm and a
// separate C and D. Inputs are small multiples of 1/8, so the result is exact in fp32.
#include <cmath>
#include <cstdint>
#include <vector>
#include <cublasLt.h>
#include "lib_check.h"

static float val(int i, int mod, int off) { return (float)((i * 7 + off) % mod - mod / 2) / 8.0f; }

int main()
{
    const int M = 160, N = 128, K = 96;
    const float alpha = 2.0f, beta = 1.0f;
    // A stored K x M (op(A) = A^T is M x K), B K x N, C and D M x N, all column-major.
    std::vector<float> A((size_t)K * M), B((size_t)K * N), C((size_t)M * N), D((size_t)M * N), R(D.size());
    for (size_t i = 0; i < A.size(); i++) A[i] = val((int)i, 11, 1);
    for (size_t i = 0; i < B.size(); i++) B[i] = val((int)i, 13, 6);
    for (size_t i = 0; i < C.size(); i++) C[i] = val((int)i, 5, 2);
    for (int j = 0; j < N; j++)
        for (int i = 0; i < M; i++) {
            double s = 0;
            for (int k = 0; k < K; k++) s += (double)A[k + (size_t)i * K] * B[k + (size_t)j * K];
            R[i + (size_t)j * M] = (float)(alpha * s + beta * C[i + (size_t)j * M]);
        }

    float *dA, *dB, *dC, *dD;
    void *dWork;
    const size_t workBytes = 4u << 20;
    CHECK_CUDA(cudaMalloc(&dA, A.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dB, B.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dC, C.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dD, D.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dWork, workBytes));
    CHECK_CUDA(cudaMemcpy(dA, A.data(), A.size() * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dB, B.data(), B.size() * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dC, C.data(), C.size() * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemset(dD, 0, D.size() * sizeof(float)));

    cublasLtHandle_t lt;
    CHECK_CUBLASLT(cublasLtCreate(&lt));
    cublasLtMatmulDesc_t op;
    CHECK_CUBLASLT(cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    CHECK_CUBLASLT(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)));
    CHECK_CUBLASLT(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)));

    cublasLtMatrixLayout_t la, lb, lc, ld;
    CHECK_CUBLASLT(cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, K, M, K)); // stored shape of A
    CHECK_CUBLASLT(cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, K, N, K));
    CHECK_CUBLASLT(cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, M, N, M));
    CHECK_CUBLASLT(cublasLtMatrixLayoutCreate(&ld, CUDA_R_32F, M, N, M));

    cublasLtMatmulPreference_t pref;
    CHECK_CUBLASLT(cublasLtMatmulPreferenceCreate(&pref));
    uint64_t maxWork = workBytes;
    CHECK_CUBLASLT(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                      &maxWork, sizeof(maxWork)));
    cublasLtMatmulHeuristicResult_t heur[4] = {};
    int found = 0;
    CHECK_CUBLASLT(cublasLtMatmulAlgoGetHeuristic(lt, op, la, lb, lc, ld, pref, 4, heur, &found));
    std::printf("heuristic found an algorithm: %s\n", found > 0 ? "yes" : "no");
    if (found <= 0)
        return lib_finish("04_cublaslt_matmul", false);
    std::printf("first algorithm fits the workspace: %s\n",
                heur[0].workspaceSize <= workBytes ? "yes" : "no");

    CHECK_CUBLASLT(cublasLtMatmul(lt, op, &alpha, dA, la, dB, lb, &beta, dC, lc, dD, ld, &heur[0].algo,
                                dWork, workBytes, 0));
    CHECK_CUDA(cudaDeviceSynchronize());
    CHECK_CUDA(cudaMemcpy(D.data(), dD, D.size() * sizeof(float), cudaMemcpyDeviceToHost));
    std::vector<float> C2(C.size());
    CHECK_CUDA(cudaMemcpy(C2.data(), dC, C.size() * sizeof(float), cudaMemcpyDeviceToHost));

    double max_err = 0, sum = 0;
    bool c_kept = true;
    for (size_t i = 0; i < D.size(); i++) {
        max_err = std::fmax(max_err, std::fabs((double)D[i] - R[i]));
        sum += D[i];
        if (C2[i] != C[i]) c_kept = false;
    }
    std::printf("lt matmul %dx%dx%d (A^T): D[0]=%.3f D[5000]=%.3f checksum=%.3f\n", M, N, K, D[0],
                D[5000], sum);
    std::printf("max_err<1e-3: %s, C unchanged: %s\n", max_err < 1e-3 ? "yes" : "no",
                c_kept ? "yes" : "no");

    CHECK_CUBLASLT(cublasLtMatmulPreferenceDestroy(pref));
    CHECK_CUBLASLT(cublasLtMatrixLayoutDestroy(la));
    CHECK_CUBLASLT(cublasLtMatrixLayoutDestroy(lb));
    CHECK_CUBLASLT(cublasLtMatrixLayoutDestroy(lc));
    CHECK_CUBLASLT(cublasLtMatrixLayoutDestroy(ld));
    CHECK_CUBLASLT(cublasLtMatmulDescDestroy(op));
    CHECK_CUBLASLT(cublasLtDestroy(lt));
    CHECK_CUDA(cudaFree(dA));
    CHECK_CUDA(cudaFree(dB));
    CHECK_CUDA(cudaFree(dC));
    CHECK_CUDA(cudaFree(dD));
    CHECK_CUDA(cudaFree(dWork));
    return lib_finish("04_cublaslt_matmul", max_err < 1e-3 && c_kept);
}
