// libs: -lcurand
// cuRAND host API with a device generator (PHILOX4_32_10, fixed seed): uniform and normal
// numbers on the device; statistics and the first values are printed (Philox is deterministic),
// and a second generator with the same seed must reproduce the same sequence bit for bit.
#include <cmath>
#include <cstring>
#include <vector>
#include <curand.h>
#include "lib_check.h"

static void stats(const std::vector<float> &v, double *mean, double *sd)
{
    double s = 0, s2 = 0;
    for (float x : v) { s += x; s2 += (double)x * x; }
    *mean = s / v.size();
    *sd = std::sqrt(s2 / v.size() - *mean * *mean);
}

int main()
{
    const size_t n = 1 << 20; // even, as the normal generator requires
    float *dU, *dN, *dU2;
    CHECK_CUDA(cudaMalloc(&dU, n * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dN, n * sizeof(float)));
    CHECK_CUDA(cudaMalloc(&dU2, n * sizeof(float)));

    curandGenerator_t gen, gen2;
    CHECK_CURAND(curandCreateGenerator(&gen, CURAND_RNG_PSEUDO_PHILOX4_32_10));
    CHECK_CURAND(curandSetPseudoRandomGeneratorSeed(gen, 20240611ULL));
    CHECK_CURAND(curandGenerateUniform(gen, dU, n));
    CHECK_CURAND(curandGenerateNormal(gen, dN, n, 2.0f, 0.5f));

    CHECK_CURAND(curandCreateGenerator(&gen2, CURAND_RNG_PSEUDO_PHILOX4_32_10));
    CHECK_CURAND(curandSetPseudoRandomGeneratorSeed(gen2, 20240611ULL));
    CHECK_CURAND(curandGenerateUniform(gen2, dU2, n));
    CHECK_CUDA(cudaDeviceSynchronize());

    std::vector<float> u(n), g(n), u2(n);
    CHECK_CUDA(cudaMemcpy(u.data(), dU, n * sizeof(float), cudaMemcpyDeviceToHost));
    CHECK_CUDA(cudaMemcpy(g.data(), dN, n * sizeof(float), cudaMemcpyDeviceToHost));
    CHECK_CUDA(cudaMemcpy(u2.data(), dU2, n * sizeof(float), cudaMemcpyDeviceToHost));

    double um, us, gm, gs;
    stats(u, &um, &us);
    stats(g, &gm, &gs);
    bool in_range = true;
    for (float x : u)
        if (!(x > 0.0f && x <= 1.0f)) in_range = false;
    bool same = std::memcmp(u.data(), u2.data(), n * sizeof(float)) == 0;

    std::printf("uniform: first %.6f %.6f %.6f %.6f\n", u[0], u[1], u[2], u[3]);
    std::printf("uniform: mean=%.3f stddev=%.3f in (0,1]: %s\n", um, us, in_range ? "yes" : "no");
    std::printf("normal(2,0.5): first %.6f %.6f %.6f %.6f\n", g[0], g[1], g[2], g[3]);
    std::printf("normal(2,0.5): mean=%.3f stddev=%.3f\n", gm, gs);
    std::printf("same seed reproduces the sequence: %s\n", same ? "yes" : "no");

    bool ok = in_range && same && std::fabs(um - 0.5) < 0.01 && std::fabs(us - 0.2887) < 0.01 &&
              std::fabs(gm - 2.0) < 0.01 && std::fabs(gs - 0.5) < 0.01;
    CHECK_CURAND(curandDestroyGenerator(gen));
    CHECK_CURAND(curandDestroyGenerator(gen2));
    CHECK_CUDA(cudaFree(dU));
    CHECK_CUDA(cudaFree(dN));
    CHECK_CUDA(cudaFree(dU2));
    return lib_finish("07_curand_philox", ok);
}
