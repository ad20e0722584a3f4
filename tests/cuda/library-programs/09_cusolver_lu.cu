// libs: -lcusolver
// cuSOLVER dense LU: cusolverDnSgetrf_bufferSize, cusolverDnSgetrf (with pivoting) and
// cusolverDnSgetrs solve A X = B for a diagonally dominant (well-conditioned) matrix and two
// right-hand sides whose exact solutions are known.
#include <cmath>
#include <vector>
#include <cusolverDn.h>
#include "lib_check.h"

int main()
{
    const int n = 96, nrhs = 2, lda = n, ldb = n;
    std::vector<float> A((size_t)lda * n), X(n * nrhs), B(n * nrhs);
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
            A[i + j * lda] = (i == j) ? 80.0f + (float)(i % 5) : (float)((i * 13 + j * 7) % 11 - 5) / 8.0f;
    for (int c = 0; c < nrhs; c++)
        for (int i = 0; i < n; i++) X[i + c * n] = 0.25f * ((i + 3 * c) % 9) - 1.125f; // never 0
    for (int c = 0; c < nrhs; c++)
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += (double)A[i + k * lda] * X[k + c * n];
            B[i + c * ldb] = (float)s;
        }

    float *dA, *dB, *dWork;
    int *dIpiv, *dInfo;
    CHECK_CUDA(cudaMalloc(&dA, A.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dB, B.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dIpiv, n * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dInfo, sizeof(int)));
    CHECK_CUDA(cudaMemcpy(dA, A.data(), A.size() * sizeof(float), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dB, B.data(), B.size() * sizeof(float), cudaMemcpyHostToDevice));

    cusolverDnHandle_t h;
    CHECK_CUSOLVER(cusolverDnCreate(&h));
    int lwork = 0;
    CHECK_CUSOLVER(cusolverDnSgetrf_bufferSize(h, n, n, dA, lda, &lwork));
    CHECK_CUDA(cudaMalloc(&dWork, (size_t)(lwork > 0 ? lwork : 1) * sizeof(float)));
    CHECK_CUSOLVER(cusolverDnSgetrf(h, n, n, dA, lda, dWork, dIpiv, dInfo));
    int info = -1;
    CHECK_CUDA(cudaMemcpy(&info, dInfo, sizeof(int), cudaMemcpyDeviceToHost));
    std::printf("getrf info=%d\n", info);
    CHECK_CUSOLVER(cusolverDnSgetrs(h, CUBLAS_OP_N, n, nrhs, dA, lda, dIpiv, dB, ldb, dInfo));
    int info2 = -1;
    CHECK_CUDA(cudaMemcpy(&info2, dInfo, sizeof(int), cudaMemcpyDeviceToHost));
    std::printf("getrs info=%d\n", info2);

    std::vector<float> sol(B.size());
    std::vector<int> ipiv(n);
    CHECK_CUDA(cudaMemcpy(sol.data(), dB, sol.size() * sizeof(float), cudaMemcpyDeviceToHost));
    CHECK_CUDA(cudaMemcpy(ipiv.data(), dIpiv, n * sizeof(int), cudaMemcpyDeviceToHost));
    bool piv_ok = true; // LAPACK convention: 1-based, row i swapped with ipiv[i] >= i
    for (int i = 0; i < n; i++)
        if (ipiv[i] < i + 1 || ipiv[i] > n) piv_ok = false;
    double max_err = 0;
    for (size_t i = 0; i < sol.size(); i++) max_err = std::fmax(max_err, std::fabs((double)sol[i] - X[i]));
    std::printf("x[0..3]=%.3f %.3f %.3f %.3f  x2[0]=%.3f\n", sol[0], sol[1], sol[2], sol[3], sol[n]);
    std::printf("pivots valid: %s, max_err<1e-4: %s\n", piv_ok ? "yes" : "no", max_err < 1e-4 ? "yes" : "no");

    CHECK_CUSOLVER(cusolverDnDestroy(h));
    CHECK_CUDA(cudaFree(dA));
    CHECK_CUDA(cudaFree(dB));
    CHECK_CUDA(cudaFree(dWork));
    CHECK_CUDA(cudaFree(dIpiv));
    CHECK_CUDA(cudaFree(dInfo));
    return lib_finish("09_cusolver_lu", info == 0 && info2 == 0 && piv_ok && max_err < 1e-4);
}
