// libs: -lcufft
// cuFFT 2D real-to-complex (NX x NY, row-major, NY fastest): every one of the NX*(NY/2+1)
// output bins is compared with a CPU DFT computed in double precision.
#include <cmath>
#include <vector>
#include <cufft.h>
#include "lib_check.h"

int main()
{
    const int NX = 32, NY = 48, NYC = NY / 2 + 1;
    const double PI = 3.14159265358979323846;
    std::vector<float> in(NX * NY);
    for (int x = 0; x < NX; x++)
        for (int y = 0; y < NY; y++)
            in[x * NY + y] = (float)(std::cos(2 * PI * 3 * x / NX) + 0.5 * std::sin(2 * PI * 5 * y / NY)) +
                             (float)((x * 31 + y * 17) % 23 - 11) / 64.0f;

    float *dIn;
    cufftComplex *dOut;
    CHECK_CUDA(cudaMalloc(&dIn, in.size() * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dOut, NX * NYC * sizeof(cufftComplex)));
    CHECK_CUDA(cudaMemcpy(dIn, in.data(), in.size() * sizeof(float), cudaMemcpyHostToDevice));
    cufftHandle plan;
    CHECK_CUFFT(cufftPlan2d(&plan, NX, NY, CUFFT_R2C));
    CHECK_CUFFT(cufftExecR2C(plan, dIn, dOut));
    std::vector<cufftComplex> out(NX * NYC);
    CHECK_CUDA(cudaMemcpy(out.data(), dOut, out.size() * sizeof(cufftComplex), cudaMemcpyDeviceToHost));

    // CPU DFT: X[kx][ky] = sum_x sum_y in[x][y] * exp(-2 pi i (kx x / NX + ky y / NY)).
    double max_err = 0, max_mag = 0;
    for (int kx = 0; kx < NX; kx++)
        for (int ky = 0; ky < NYC; ky++) {
            double re = 0, im = 0;
            for (int x = 0; x < NX; x++)
                for (int y = 0; y < NY; y++) {
                    double ph = -2 * PI * ((double)kx * x / NX + (double)ky * y / NY);
                    re += in[x * NY + y] * std::cos(ph);
                    im += in[x * NY + y] * std::sin(ph);
                }
            const cufftComplex &g = out[kx * NYC + ky];
            max_err = std::fmax(max_err, std::hypot(g.x - re, g.y - im));
            max_mag = std::fmax(max_mag, std::hypot(re, im));
        }
    bool ok = max_err < 1e-5 * max_mag * 10 + 1e-3;

    // A few bins by magnitude (non-negative, so no "-0.000" from rounding noise).
    const int bins[][2] = {{0, 0}, {3, 0}, {0, 5}, {29, 0}, {7, 11}};
    for (const auto &b : bins) {
        const cufftComplex &g = out[b[0] * NYC + b[1]];
        std::printf("|X[%d][%d]|=%.3f\n", b[0], b[1], std::hypot(g.x, g.y));
    }
    std::printf("bins=%d max_err vs CPU DFT small: %s\n", NX * NYC, ok ? "yes" : "no");

    CHECK_CUFFT(cufftDestroy(plan));
    CHECK_CUDA(cudaFree(dIn));
    CHECK_CUDA(cudaFree(dOut));
    return lib_finish("06_cufft_2d_r2c", ok);
}
