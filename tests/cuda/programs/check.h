// Shared helpers for the Orion CUDA test programs. Output must be deterministic (no timings,
// no addresses) because each program's output is compared native vs. through Orion.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define CHECK(call)                                                                                \
    do {                                                                                           \
        cudaError_t check_error_ = (call);                                                         \
        if (check_error_ != cudaSuccess) {                                                         \
            std::printf("FAILED %s:%d %s -> %s\n", __FILE__, __LINE__, #call,                    \
                        cudaGetErrorName(check_error_));                                           \
            std::exit(1);                                                                          \
        }                                                                                          \
    } while (0)

// Prints the outcome of a call that is expected to fail, by name (stable across runtimes).
#define REPORT(label, call) std::printf("%s: %s\n", label, cudaGetErrorName(call))
