// libs: -lcublas
// cublasGemmEx with 16-bit inputs and fp32 compute: FP16 A/B -> FP16 C, and BF16 A/B -> FP32 C.
// Inputs are small multiples of 1/8 (exact in fp16 and bf16); fp32 accumulation is then exact,
// and only the final rounding to fp16 output can differ from the CPU reference.
#include <cmath>
#include <vector>
#include <cublas_v2.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include "lib_check.h"

static float val(int i, int mod, int off) { return (float)((i * 5 + off) % mod - mod / 2) / 8.0f; }

int main()
{
    const int M = 128, N = 96, K = 64;
    const float alpha = 1.0f, beta = 0.0f;
    std::vector<float> A((size_t)M * K), B((size_t)K * N), R((size_t)M * N);
    for (size_t i = 0; i < A.size(); i++) A[i] = val((int)i, 9, 2);
    for (size_t i = 0; i < B.size(); i++) B[i] = val((int)i, 7, 4);
    for (int j = 0; j < N; j++)
        for (int i = 0; i < M; i++) {
            double s = 0;
            for (int k = 0; k < K; k++) s += (double)A[i + (size_t)k * M] * B[k + (size_t)j * K];
            R[i + (size_t)j * M] = (float)s;
        }

    std::vector<__half> Ah(A.size()), Bh(B.size()), Ch(R.size());
    std::vector<__nv_bfloat16> Ab(A.size()), Bb(B.size());
    for (size_t i = 0; i < A.size(); i++) { Ah[i] = __float2half(A[i]); Ab[i] = __float2bfloat16(A[i]); }
    for (size_t i = 0; i < B.size(); i++) { Bh[i] = __float2half(B[i]); Bb[i] = __float2bfloat16(B[i]); }

    __half *dAh, *dBh, *dCh;
    __nv_bfloat16 *dAb, *dBb;
    float *dCf;
    CHECK_CUDA(cudaMalloc(&dAh, A.size() * sizeof(__half)));
    CHECK_CUDA(cudaMalloc(&dBh, B.size() * sizeof(__half)));
    CHECK_CUDA(cudaMalloc(&dCh, R.size() * sizeof(__half)));
    CHECK_CUDA(cudaMalloc(&dAb, A.size() * sizeof(__nv_bfloat16)));
    CHECK_CUDA(cudaMalloc(&dBb, B.size() * sizeof(__nv_bfloat16)));
    CHECK_CUDA(cudaMalloc(&dCf, R.size() * sizeof(float)));
    CHECK_CUDA(cudaMemcpy(dAh, Ah.data(), A.size() * sizeof(__half), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dBh, Bh.data(), B.size() * sizeof(__half), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dAb, Ab.data(), A.size() * sizeof(__nv_bfloat16), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dBb, Bb.data(), B.size() * sizeof(__nv_bfloat16), cudaMemcpyHostToDevice));

    cublasHandle_t h;
    CHECK_CUBLAS(cublasCreate(&h));
    // FP16 inputs, FP16 output, FP32 compute (alpha/beta are float for CUBLAS_COMPUTE_32F).
    CHECK_CUBLAS(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, dAh, CUDA_R_16F, M, dBh,
                              CUDA_R_16F, K, &beta, dCh, CUDA_R_16F, M, CUBLAS_COMPUTE_32F,
                              CUBLAS_GEMM_DEFAULT));
    // BF16 inputs, FP32 output, FP32 compute.
    CHECK_CUBLAS(cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, dAb, CUDA_R_16BF, M, dBb,
                              CUDA_R_16BF, K, &beta, dCf, CUDA_R_32F, M, CUBLAS_COMPUTE_32F,
                              CUBLAS_GEMM_DEFAULT));
    CHECK_CUDA(cudaDeviceSynchronize());
    std::vector<float> Cf(R.size());
    CHECK_CUDA(cudaMemcpy(Ch.data(), dCh, R.size() * sizeof(__half), cudaMemcpyDeviceToHost));
    CHECK_CUDA(cudaMemcpy(Cf.data(), dCf, R.size() * sizeof(float), cudaMemcpyDeviceToHost));

    // fp16 output: relative error bounded by fp16 rounding (2^-11), allow 1e-2 relative + 1e-2 abs.
    double herr = 0, berr = 0, hsum = 0, bsum = 0;
    bool hok = true;
    for (size_t i = 0; i < R.size(); i++) {
        float hv = __half2float(Ch[i]);
        double e = std::fabs((double)hv - R[i]);
        herr = std::fmax(herr, e);
        if (e > 1e-2 + 1e-2 * std::fabs(R[i])) hok = false;
        berr = std::fmax(berr, std::fabs((double)Cf[i] - R[i]));
        hsum += hv;
        bsum += Cf[i];
    }
    bool bok = berr < 1e-3;
    std::printf("gemmex fp16->fp16 %dx%dx%d: C[0]=%.3f C[777]=%.3f checksum=%.2f within_tol: %s\n", M,
                N, K, __half2float(Ch[0]), __half2float(Ch[777]), hsum, hok ? "yes" : "no");
    std::printf("gemmex bf16->fp32 %dx%dx%d: C[0]=%.3f C[777]=%.3f checksum=%.2f max_err<1e-3: %s\n",
                M, N, K, Cf[0], Cf[777], bsum, bok ? "yes" : "no");

    CHECK_CUBLAS(cublasDestroy(h));
    CHECK_CUDA(cudaFree(dAh));
    CHECK_CUDA(cudaFree(dBh));
    CHECK_CUDA(cudaFree(dCh));
    CHECK_CUDA(cudaFree(dAb));
    CHECK_CUDA(cudaFree(dBb));
    CHECK_CUDA(cudaFree(dCf));
    return lib_finish("02_cublas_gemmex_half_bf16", hok && bok);
}
