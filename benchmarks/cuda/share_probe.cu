// Orion compute-share probe: keeps the GPU busy with compute-bound kernels for a while and reports how many it
// completed, second by second, so that two tenants run at once can be compared over the window they shared
// (scripts/gpu-share-test.sh). Built with plain nvcc; runs natively or through Orion unchanged.
//
// Usage: share_probe SECONDS [--fault] [--hold-mib N]
//   SECONDS      how long to keep the GPU busy
//   --fault      instead, launch a kernel that writes far outside its buffer and report the error it gets
//   --hold-mib N allocate N MiB first and keep them until the end (to see memory come back after a kill)
// Output (stdout): "start=<epoch s>", then one "t=<epoch s> kernels=<cumulative>" line per second, then
// "done kernels=<n> seconds=<s> per_kernel_ms=<x> check=PASS|FAIL"; with --fault, "fault=<cudaError name>".
// Exit status: 0 when the result checked out (or the fault was reported as an error), 1 otherwise.

#include <cuda_runtime.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

__global__ void share_compute_kernel(unsigned int* out, int rounds) {
    unsigned int v = blockIdx.x * blockDim.x + threadIdx.x;
    for (int r = 0; r < rounds; ++r) v = v * 1664525u + 1013904223u;
    out[blockIdx.x * blockDim.x + threadIdx.x] = v;
}

__global__ void share_fault_kernel(int* p) { p[1 << 28] = 1; }

static double epoch_seconds() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

#define CHECK(call)                                                                                   \
    do {                                                                                              \
        cudaError_t e_ = (call);                                                                      \
        if (e_ != cudaSuccess) {                                                                      \
            std::printf("error=%s at line %d\n", cudaGetErrorName(e_), __LINE__);                    \
            return 1;                                                                                 \
        }                                                                                             \
    } while (0)

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s SECONDS [--fault] [--hold-mib N]\n", argv[0]);
        return 2;
    }
    const double seconds = std::atof(argv[1]);
    bool fault = false;
    size_t hold_mib = 0;
    for (int i = 2; i < argc; ++i) {
        if (std::strcmp(argv[i], "--fault") == 0) fault = true;
        else if (std::strcmp(argv[i], "--hold-mib") == 0 && i + 1 < argc) hold_mib = std::strtoull(argv[++i], nullptr, 10);
    }
    void* held = nullptr;
    if (hold_mib > 0) CHECK(cudaMalloc(&held, hold_mib << 20));
    if (fault) {
        int* small = nullptr;
        CHECK(cudaMalloc(&small, sizeof(int)));
        share_fault_kernel<<<1, 1>>>(small);
        cudaError_t launched = cudaGetLastError();
        cudaError_t synced = cudaDeviceSynchronize();
        cudaError_t error = launched != cudaSuccess ? launched : synced;
        std::printf("fault=%s\n", cudaGetErrorName(error));
        return error != cudaSuccess ? 0 : 1;
    }
    const int blocks = 1056, threads = 256, rounds = 100000, batch = 10;
    const size_t count = static_cast<size_t>(blocks) * threads;
    unsigned int* out = nullptr;
    CHECK(cudaMalloc(&out, count * sizeof(unsigned int)));
    share_compute_kernel<<<blocks, threads>>>(out, rounds);  // warm-up: module load, first launch
    CHECK(cudaDeviceSynchronize());
    const double start = epoch_seconds();
    std::printf("start=%.3f\n", start);
    std::fflush(stdout);
    long kernels = 0;
    double next_report = start + 1.0;
    double now = start;
    while (now < start + seconds) {
        for (int k = 0; k < batch; ++k) share_compute_kernel<<<blocks, threads>>>(out, rounds);
        CHECK(cudaGetLastError());
        CHECK(cudaDeviceSynchronize());
        kernels += batch;
        now = epoch_seconds();
        if (now >= next_report) {
            std::printf("t=%.3f kernels=%ld\n", now, kernels);
            std::fflush(stdout);
            next_report += 1.0;
        }
    }
    std::vector<unsigned int> host(count);
    CHECK(cudaMemcpy(host.data(), out, count * sizeof(unsigned int), cudaMemcpyDeviceToHost));
    bool correct = true;
    for (size_t t : {static_cast<size_t>(0), count / 2, count - 1}) {
        unsigned int v = static_cast<unsigned int>(t);
        for (int r = 0; r < rounds; ++r) v = v * 1664525u + 1013904223u;
        if (host[t] != v) correct = false;
    }
    const double elapsed = now - start;
    std::printf("done kernels=%ld seconds=%.3f per_kernel_ms=%.4f check=%s\n", kernels, elapsed,
                kernels > 0 ? elapsed * 1000.0 / kernels : 0.0, correct ? "PASS" : "FAIL");
    if (held) cudaFree(held);
    cudaFree(out);
    return correct ? 0 : 1;
}
