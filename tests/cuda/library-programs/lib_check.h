// Shared error-checking macros for the CUDA library test programs in this folder.
// Every macro prints the failing call, its status number (and name where the library offers
// one) to stderr and exits with status 1. The library-specific macros name library types only
// inside their expansion, so a program includes just the library headers it uses.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <cuda_runtime.h>

#define LIB_FAIL(call, code, name)                                                                 \
    do {                                                                                           \
        std::fprintf(stderr, "FAILED %s:%d %s -> %d (%s)\n", __FILE__, __LINE__, call, (int)(code), \
                     name);                                                                        \
        std::exit(1);                                                                              \
    } while (0)

#define CHECK_CUDA(call)                                                                           \
    do {                                                                                           \
        cudaError_t lib_e_ = (call);                                                               \
        if (lib_e_ != cudaSuccess)                                                                 \
            LIB_FAIL(#call, lib_e_, cudaGetErrorName(lib_e_));                                     \
    } while (0)

// cuBLAS.
#define CHECK_CUBLAS(call)                                                                         \
    do {                                                                                           \
        cublasStatus_t lib_s_ = (call);                                                            \
        if (lib_s_ != CUBLAS_STATUS_SUCCESS)                                                       \
            LIB_FAIL(#call, lib_s_, cublasGetStatusName(lib_s_));                                  \
    } while (0)

// cuBLASLt alone (cublasGetStatusName lives in libcublas, which a cuBLASLt-only program does not
// link), so only the number is printed.
#define CHECK_CUBLASLT(call)                                                                       \
    do {                                                                                           \
        cublasStatus_t lib_s_ = (call);                                                            \
        if (lib_s_ != CUBLAS_STATUS_SUCCESS)                                                       \
            LIB_FAIL(#call, lib_s_, "cublasStatus_t");                                             \
    } while (0)

#define CHECK_CUFFT(call)                                                                          \
    do {                                                                                           \
        cufftResult lib_s_ = (call);                                                               \
        if (lib_s_ != CUFFT_SUCCESS)                                                               \
            LIB_FAIL(#call, lib_s_, "cufftResult");                                                \
    } while (0)

#define CHECK_CURAND(call)                                                                         \
    do {                                                                                           \
        curandStatus_t lib_s_ = (call);                                                            \
        if (lib_s_ != CURAND_STATUS_SUCCESS)                                                       \
            LIB_FAIL(#call, lib_s_, "curandStatus_t");                                             \
    } while (0)

#define CHECK_CUSPARSE(call)                                                                       \
    do {                                                                                           \
        cusparseStatus_t lib_s_ = (call);                                                          \
        if (lib_s_ != CUSPARSE_STATUS_SUCCESS)                                                     \
            LIB_FAIL(#call, lib_s_, cusparseGetErrorString(lib_s_));                               \
    } while (0)

#define CHECK_CUSOLVER(call)                                                                       \
    do {                                                                                           \
        cusolverStatus_t lib_s_ = (call);                                                          \
        if (lib_s_ != CUSOLVER_STATUS_SUCCESS)                                                     \
            LIB_FAIL(#call, lib_s_, "cusolverStatus_t");                                           \
    } while (0)

// Prints the final verdict line and yields main's return value.
inline int lib_finish(const char *name, bool ok)
{
    std::printf("%s: %s\n", name, ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
