#include <vector>
#include "check.h"

template <typename T, int Scale> __global__ void axpb(const T *x, T *y, T b, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        y[i] = x[i] * (T)Scale + b;
}

template <typename T> struct Pair {
    T first, second;
};

template <typename T> __global__ void swap_pairs(Pair<T> *pairs, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        T t = pairs[i].first;
        pairs[i].first = pairs[i].second;
        pairs[i].second = t;
    }
}

template <typename T, int Scale> void run(const char *name, T b)
{
    const int n = 1000;
    std::vector<T> x(n), y(n);
    for (int i = 0; i < n; i++)
        x[i] = (T)(i % 50);
    T *dx, *dy;
    CHECK(cudaMalloc(&dx, n * sizeof(T)));
    CHECK(cudaMalloc(&dy, n * sizeof(T)));
    CHECK(cudaMemcpy(dx, x.data(), n * sizeof(T), cudaMemcpyHostToDevice));
    axpb<T, Scale><<<(n + 127) / 128, 128>>>(dx, dy, b, n);
    CHECK(cudaMemcpy(y.data(), dy, n * sizeof(T), cudaMemcpyDeviceToHost));
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += (double)y[i];
    std::printf("axpb<%s,%d> sum=%.2f y[49]=%.2f\n", name, Scale, sum, (double)y[49]);
    CHECK(cudaFree(dx));
    CHECK(cudaFree(dy));
}

int main()
{
    run<int, 3>("int", 7);
    run<float, 2>("float", 0.5f);
    run<double, 5>("double", -1.25);
    run<short, 4>("short", 1);
    const int n = 513;
    std::vector<Pair<long long>> pairs(n);
    for (int i = 0; i < n; i++)
        pairs[i] = {i, -i * 3LL};
    Pair<long long> *dp;
    CHECK(cudaMalloc(&dp, n * sizeof(Pair<long long>)));
    CHECK(cudaMemcpy(dp, pairs.data(), n * sizeof(Pair<long long>), cudaMemcpyHostToDevice));
    swap_pairs<<<5, 128>>>(dp, n);
    CHECK(cudaMemcpy(pairs.data(), dp, n * sizeof(Pair<long long>), cudaMemcpyDeviceToHost));
    std::printf("swap_pairs first=(%lld,%lld) last=(%lld,%lld)\n", pairs[1].first, pairs[1].second,
                pairs[n - 1].first, pairs[n - 1].second);
    CHECK(cudaFree(dp));
    return 0;
}
