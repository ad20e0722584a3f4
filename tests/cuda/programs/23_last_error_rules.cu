#include "check.h"

int main()
{
    std::printf("initial: %s\n", cudaGetErrorName(cudaGetLastError()));
    void *p = nullptr;
    REPORT("malloc 1 PiB", cudaMalloc(&p, 1ull << 50));
    std::printf("peek: %s\n", cudaGetErrorName(cudaPeekAtLastError()));
    std::printf("peek again: %s\n", cudaGetErrorName(cudaPeekAtLastError()));
    std::printf("get: %s\n", cudaGetErrorName(cudaGetLastError()));
    std::printf("get after reset: %s\n", cudaGetErrorName(cudaGetLastError()));
    // A success does not clear an earlier error; only reading it does.
    REPORT("bad device", cudaSetDevice(-1));
    CHECK(cudaSetDevice(0));
    std::printf("after a success: %s\n", cudaGetErrorName(cudaGetLastError()));
    std::printf("string of invalid value: %s\n", cudaGetErrorString(cudaErrorInvalidValue));
    std::printf("string of unknown code: %s\n", cudaGetErrorString((cudaError_t)12345));
    std::printf("name of unknown code: %s\n", cudaGetErrorName((cudaError_t)12345));
    // Per-thread last errors are covered by the CI C test.
    return 0;
}
