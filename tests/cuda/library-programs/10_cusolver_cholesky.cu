// libs: -lcusolver
// cuSOLVER dense Cholesky: cusolverDnSpotrf_bufferSize, cusolverDnSpotrf (lower) and
// cusolverDnSpotrs on a symmetric positive definite matrix, then a matrix that is not positive
// definite, for which potrf must report the order of the failing leading minor in devInfo.
#include <cmath>
#include <vector>
#include <cusolverDn.h>
#include "lib_check.h"

int main()
{
    const int n = 80, nrhs = 3, lda = n;
    // SPD: A = 1/(1+|i-j|) off the diagonal, n + i%3 on it (strictly diagonally dominant).
    std::vector<float> A((size_t)lda * n), X(n * nrhs), B(n * nrhs);
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
            A[i + j * lda] = (i == j) ? (float)(n + i % 3) : 1.0f / (1.0f + (float)std::abs(i - j));
    for (int c = 0; c < nrhs; c++)
        for (int i = 0; i < n; i++) X[i + c * n] = 0.5f * ((i * (c + 1)) % 7) - 1.75f; // never 0
    for (int c = 0; c < nrhs; c++)
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += (double)A[i + k * lda] * X[k + c * n];
            B[i + c * n] = (float)s;
        }

    float *dA, *dB, *dWork;
    int *dInfo;
    CHECK_CUDA(cudaMalloc(&dA, A.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dB, B.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dInfo, sizeof(int)));
    CHECK_CUDA(cudaMemcpy(dA, A.data(), A.size() * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dB, B.data(), B.size() * sizeof(float), cudaMemcpyHostToDevice));

    cusolverDnHandle_t h;
    CHECK_CUSOLVER(cusolverDnCreate(&h));
    const cublasFillMode_t uplo = CUBLAS_FILL_MODE_LOWER;
    int lwork = 0;
    CHECK_CUSOLVER(cusolverDnSpotrf_bufferSize(h, uplo, n, dA, lda, &lwork));
    CHECK_CUDA(cudaMalloc(&dWork, (size_t)(lwork > 0 ? lwork : 1) * sizeof(float)));
    CHECK_CUSOLVER(cusolverDnSpotrf(h, uplo, n, dA, lda, dWork, lwork, dInfo));
    int info = -1;
    CHECK_CUDA(cudaMemcpy(&info, dInfo, sizeof(int), cudaMemcpyDeviceToHost));
    std::printf("potrf info=%d\n", info);

    // L L^T must reproduce A (lower triangle of dA holds L).
    std::vector<float> L(A.size());
    CHECK_CUDA(cudaMemcpy(L.data(), dA, L.size() * sizeof(float), cudaMemcpyDeviceToHost));
    double fact_err = 0;
    for (int j = 0; j < n; j++)
        for (int i = j; i < n; i++) {
            double s = 0;
            for (int k = 0; k <= j; k++) s += (double)L[i + k * lda] * L[j + k * lda];
            fact_err = std::fmax(fact_err, std::fabs(s - A[i + j * lda]));
        }
    std::printf("L[0][0]=%.3f L[1][0]=%.3f LL^T==A (err<1e-3): %s\n", L[0], L[1], fact_err < 1e-3 ? "yes" : "no");

    CHECK_CUSOLVER(cusolverDnSpotrs(h, uplo, n, nrhs, dA, lda, dB, n, dInfo));
    int info2 = -1;
    CHECK_CUDA(cudaMemcpy(&info2, dInfo, sizeof(int), cudaMemcpyDeviceToHost));
    std::vector<float> sol(B.size());
    CHECK_CUDA(cudaMemcpy(sol.data(), dB, sol.size() * sizeof(float), cudaMemcpyDeviceToHost));
    double max_err = 0;
    for (size_t i = 0; i < sol.size(); i++) max_err = std::fmax(max_err, std::fabs((double)sol[i] - X[i]));
    std::printf("potrs info=%d x[0..2]=%.3f %.3f %.3f max_err<1e-4: %s\n", info2, sol[0], sol[1], sol[2],
                max_err < 1e-4 ? "yes" : "no");

    // Not positive definite: identity with a negative 6th diagonal entry -> info = 6.
    std::vector<float> Bad((size_t)lda * n, 0.0f);
    for (int i = 0; i < n; i++) Bad[i + i * lda] = (i == 5) ? -1.0f : 2.0f;
    CHECK_CUDA(cudaMemcpy(dA, Bad.data(), Bad.size() * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUSOLVER(cusolverDnSpotrf(h, uplo, n, dA, lda, dWork, lwork, dInfo));
    int info3 = -1;
    CHECK_CUDA(cudaMemcpy(&info3, dInfo, sizeof(int), cudaMemcpyDeviceToHost));
    std::printf("potrf on a non-SPD matrix: info=%d\n", info3);

    CHECK_CUSOLVER(cusolverDnDestroy(h));
    CHECK_CUDA(cudaFree(dA));
    CHECK_CUDA(cudaFree(dB));
    CHECK_CUDA(cudaFree(dWork));
    CHECK_CUDA(cudaFree(dInfo));
    return lib_finish("10_cusolver_cholesky",
                      info == 0 && info2 == 0 && info3 == 6 && fact_err < 1e-3 && max_err < 1e-4);
}
