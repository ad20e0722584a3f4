// libs: -lcufft
// cuFFT 1D complex-to-complex: a single-frequency input must give one spike of height N at its
// bin, and forward followed by inverse (unnormalised, divided by N here) must give the input back.
#include <cmath>
#include <vector>
#include <cufft.h>
#include "lib_check.h"

int main()
{
    const int N = 1024, K0 = 37;
    const double PI = 3.14159265358979323846;
    std::vector<cufftComplex> tone(N), sig(N), out(N);
    for (int n = 0; n < N; n++) {
        double ph = 2.0 * PI * K0 * n / N;
        tone[n].x = (float)std::cos(ph);
        tone[n].y = (float)std::sin(ph);
        sig[n].x = (float)((n * 37) % 101 - 50) / 50.0f;
        sig[n].y = (float)((n * 53) % 89 - 44) / 44.0f;
    }

    cufftComplex *dIn, *dOut;
    CHECK_CUDA(cudaMalloc(&dIn, N * sizeof(cufftComplex)));
    CHECK_CUDA(cudaMalloc(&dOut, N * sizeof(cufftComplex)));
    cufftHandle plan;
    CHECK_CUFFT(cufftPlan1d(&plan, N, CUFFT_C2C, 1));

    // 1. Single frequency: X[K0] = N, all other bins ~ 0.
    CHECK_CUDA(cudaMemcpy(dIn, tone.data(), N * sizeof(cufftComplex), cudaMemcpyHostToDevice));
    CHECK_CUFFT(cufftExecC2C(plan, dIn, dOut, CUFFT_FORWARD));
    CHECK_CUDA(cudaMemcpy(out.data(), dOut, N * sizeof(cufftComplex), cudaMemcpyDeviceToHost));
    double peak = std::hypot(out[K0].x, out[K0].y), leak = 0;
    int argmax = 0;
    double best = -1;
    for (int k = 0; k < N; k++) {
        double m = std::hypot(out[k].x, out[k].y);
        if (m > best) { best = m; argmax = k; }
        if (k != K0) leak = std::fmax(leak, m);
    }
    bool tone_ok = argmax == K0 && std::fabs(peak - N) < 1e-2 && leak < 1e-2;
    std::printf("tone: peak bin=%d |X[peak]|=%.3f Re=%.3f other bins<1e-2: %s\n", argmax, peak,
                out[K0].x, leak < 1e-2 ? "yes" : "no");

    // 2. Round trip, in place for the inverse.
    CHECK_CUDA(cudaMemcpy(dIn, sig.data(), N * sizeof(cufftComplex), cudaMemcpyHostToDevice));
    CHECK_CUFFT(cufftExecC2C(plan, dIn, dOut, CUFFT_FORWARD));
    CHECK_CUFFT(cufftExecC2C(plan, dOut, dOut, CUFFT_INVERSE));
    CHECK_CUDA(cudaMemcpy(out.data(), dOut, N * sizeof(cufftComplex), cudaMemcpyDeviceToHost));
    double rt_err = 0, sum = 0;
    for (int n = 0; n < N; n++) {
        rt_err = std::fmax(rt_err, std::fabs(out[n].x / N - sig[n].x));
        rt_err = std::fmax(rt_err, std::fabs(out[n].y / N - sig[n].y));
        sum += out[n].x / N + 2.0 * out[n].y / N;
    }
    bool rt_ok = rt_err < 1e-4;
    std::printf("round trip: x[1]=(%.3f,%.3f) checksum=%.3f max_err<1e-4: %s\n", out[1].x / N,
                out[1].y / N, sum, rt_ok ? "yes" : "no");

    CHECK_CUFFT(cufftDestroy(plan));
    CHECK_CUDA(cudaFree(dIn));
    CHECK_CUDA(cudaFree(dOut));
    return lib_finish("05_cufft_1d_c2c", tone_ok && rt_ok);
}
