// libs:
// Thrust: sort of a device_vector<int> and sort_by_key (unique keys, so the result is unique);
// CUB: DeviceScan::InclusiveSum and DeviceRadixSort::SortPairs with the two-phase temporary
// storage query (first call with a null buffer returns the size). All checked against the CPU.
#include <algorithm>
#include <numeric>
#include <vector>
#include <cub/cub.cuh>
#include <thrust/copy.h>
#include <thrust/device_vector.h>
#include <thrust/sort.h>
#include "lib_check.h"

static unsigned lcg(unsigned &s) { return s = s * 1664525u + 1013904223u; }

int main()
{
    const int n = 1 << 16;
    bool ok = true;
    unsigned seed = 12345u;
    std::vector<int> data(n), keys(n), vals(n);
    for (int i = 0; i < n; i++) data[i] = (int)(lcg(seed) >> 8) - (1 << 22); // negatives too
    for (int i = 0; i < n; i++) { keys[i] = (int)(((unsigned)i * 7919u + 13u) % (unsigned)n); vals[i] = i; }

    try {
        // Thrust sort.
        thrust::device_vector<int> dv(data.begin(), data.end());
        thrust::sort(dv.begin(), dv.end());
        std::vector<int> got(n);
        thrust::copy(dv.begin(), dv.end(), got.begin());
        std::vector<int> want = data;
        std::sort(want.begin(), want.end());
        bool s_ok = got == want;
        std::printf("thrust::sort n=%d min=%d max=%d median=%d matches std::sort: %s\n", n, got[0],
                    got[n - 1], got[n / 2], s_ok ? "yes" : "no");

        // Thrust sort_by_key: keys are a permutation of 0..n-1.
        thrust::device_vector<int> dk(keys.begin(), keys.end()), dval(vals.begin(), vals.end());
        thrust::sort_by_key(dk.begin(), dk.end(), dval.begin());
        std::vector<int> gk(n), gval(n);
        thrust::copy(dk.begin(), dk.end(), gk.begin());
        thrust::copy(dval.begin(), dval.end(), gval.begin());
        bool k_ok = true;
        for (int i = 0; i < n; i++)
            if (gk[i] != i || keys[gval[i]] != i) k_ok = false;
        std::printf("thrust::sort_by_key: vals[0..3]=%d %d %d %d correct: %s\n", gval[0], gval[1], gval[2],
                    gval[3], k_ok ? "yes" : "no");
        ok = ok && s_ok && k_ok;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "thrust failed: %s\n", e.what());
        return 1;
    }

    // CUB inclusive scan over small ints.
    std::vector<int> small(n);
    for (int i = 0; i < n; i++) small[i] = (int)(lcg(seed) % 100u);
    int *dIn, *dOut;
    CHECK_CUDA(cudaMalloc(&dIn, n * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dOut, n * sizeof(int)));
    CHECK_CUDA(cudaMemcpy(dIn, small.data(), n * sizeof(int), cudaMemcpyHostToDevice));
    void *dTemp = nullptr;
    size_t tempBytes = 0;
    CHECK_CUDA(cub::DeviceScan::InclusiveSum(dTemp, tempBytes, dIn, dOut, n));
    CHECK_CUDA(cudaMalloc(&dTemp, tempBytes));
    CHECK_CUDA(cub::DeviceScan::InclusiveSum(dTemp, tempBytes, dIn, dOut, n));
    std::vector<int> scan(n), want(n);
    CHECK_CUDA(cudaMemcpy(scan.data(), dOut, n * sizeof(int), cudaMemcpyDeviceToHost));
    std::partial_sum(small.begin(), small.end(), want.begin());
    bool scan_ok = scan == want;
    std::printf("cub InclusiveSum: last=%d matches: %s\n", scan[n - 1], scan_ok ? "yes" : "no");
    CHECK_CUDA(cudaFree(dTemp));

    // CUB radix sort of (key, value) pairs; keys with many duplicates, the sort is stable.
    std::vector<int> rk(n), rv(n);
    for (int i = 0; i < n; i++) { rk[i] = (int)(lcg(seed) % 1000u); rv[i] = i; }
    int *dKin, *dKout, *dVin, *dVout;
    CHECK_CUDA(cudaMalloc(&dKin, n * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dKout, n * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dVin, n * sizeof(int)));
    CHECK_CUDA(cudaMalloc(&dVout, n * sizeof(int)));
    CHECK_CUDA(cudaMemcpy(dKin, rk.data(), n * sizeof(int), cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy(dVin, rv.data(), n * sizeof(int), cudaMemcpyHostToDevice));
    dTemp = nullptr;
    tempBytes = 0;
    CHECK_CUDA(cub::DeviceRadixSort::SortPairs(dTemp, tempBytes, dKin, dKout, dVin, dVout, n));
    CHECK_CUDA(cudaMalloc(&dTemp, tempBytes));
    CHECK_CUDA(cub::DeviceRadixSort::SortPairs(dTemp, tempBytes, dKin, dKout, dVin, dVout, n));
    std::vector<int> sk(n), sv(n);
    CHECK_CUDA(cudaMemcpy(sk.data(), dKout, n * sizeof(int), cudaMemcpyDeviceToHost));
    CHECK_CUDA(cudaMemcpy(sv.data(), dVout, n * sizeof(int), cudaMemcpyDeviceToHost));
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return rk[a] < rk[b]; });
    bool rs_ok = true;
    for (int i = 0; i < n; i++)
        if (sv[i] != order[i] || sk[i] != rk[order[i]]) rs_ok = false;
    std::printf("cub SortPairs: keys[0]=%d keys[last]=%d vals[0..2]=%d %d %d matches stable sort: %s\n", sk[0],
                sk[n - 1], sv[0], sv[1], sv[2], rs_ok ? "yes" : "no");

    CHECK_CUDA(cudaFree(dTemp));
    CHECK_CUDA(cudaFree(dIn));
    CHECK_CUDA(cudaFree(dOut));
    CHECK_CUDA(cudaFree(dKin));
    CHECK_CUDA(cudaFree(dKout));
    CHECK_CUDA(cudaFree(dVin));
    CHECK_CUDA(cudaFree(dVout));
    return lib_finish("11_thrust_cub", ok && scan_ok && rs_ok);
}
