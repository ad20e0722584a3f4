// A host-only stand-in for the CUDA runtime, written for Orion's benchmark tests: it lets
// orion_bench.cu be compiled by g++ and run on a machine without CUDA (memory is host memory,
// kernels run on the CPU one thread at a time). Used by benchmarks/cuda/test/run_tests.sh after
// a sed pass turns `kernel<<<cfg>>>(args);` into ORION_MOCK_LAUNCH(kernel, (cfg), args);.
// Declares only what orion_bench.cu uses.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>

enum cudaError_t { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorMemoryAllocation = 2, cudaErrorNotReady = 600 };
enum cudaMemcpyKind { cudaMemcpyHostToHost = 0, cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2 };
struct OrionMockStream { int unused; };
typedef OrionMockStream* cudaStream_t;
const unsigned cudaStreamNonBlocking = 1;

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
};
struct cudaDeviceProp { char name[256]; int major; int minor; };

#define __global__
inline dim3 threadIdx, blockIdx, blockDim, gridDim;
inline cudaError_t orion_mock_last_error = cudaSuccess;

inline cudaError_t orion_mock_result(cudaError_t result) {
    if (result != cudaSuccess) orion_mock_last_error = result;
    return result;
}
// ORION_MOCK_FAIL_ALLOC_ABOVE=<bytes>: larger allocations fail, to exercise the error path.
inline bool orion_mock_too_large(size_t bytes) {
    const char* limit = std::getenv("ORION_MOCK_FAIL_ALLOC_ABOVE");
    return limit != nullptr && bytes > std::strtoull(limit, nullptr, 10);
}
inline cudaError_t cudaMalloc(void** ptr, size_t bytes) {
    if (orion_mock_too_large(bytes)) return orion_mock_result(cudaErrorMemoryAllocation);
    *ptr = std::malloc(bytes);
    return orion_mock_result(*ptr ? cudaSuccess : cudaErrorMemoryAllocation);
}
inline cudaError_t cudaFree(void* ptr) { std::free(ptr); return cudaSuccess; }
inline cudaError_t cudaMallocHost(void** ptr, size_t bytes) { return cudaMalloc(ptr, bytes); }
inline cudaError_t cudaFreeHost(void* ptr) { std::free(ptr); return cudaSuccess; }
inline cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) {
    if (kind != cudaMemcpyHostToDevice && kind != cudaMemcpyDeviceToHost) return orion_mock_result(cudaErrorInvalidValue);
    std::memcpy(dst, src, bytes);
    // ORION_MOCK_CORRUPT_D2H_ABOVE=<bytes>: larger downloads come back with one byte changed.
    const char* corrupt = std::getenv("ORION_MOCK_CORRUPT_D2H_ABOVE");
    if (corrupt != nullptr && kind == cudaMemcpyDeviceToHost && bytes > std::strtoull(corrupt, nullptr, 10))
        static_cast<unsigned char*>(dst)[bytes - 1] ^= 0x40;
    return cudaSuccess;
}
inline cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t = nullptr) {
    return cudaMemcpy(dst, src, bytes, kind);  // the mock's work is done when a call returns
}
inline cudaError_t cudaMemset(void* ptr, int value, size_t bytes) { std::memset(ptr, value, bytes); return cudaSuccess; }
struct OrionMockEvent { int unused; };
typedef OrionMockEvent* cudaEvent_t;
inline cudaError_t cudaEventCreate(cudaEvent_t* e) { *e = new OrionMockEvent(); return cudaSuccess; }
inline cudaError_t cudaEventDestroy(cudaEvent_t e) { delete e; return cudaSuccess; }
inline cudaError_t cudaEventRecord(cudaEvent_t, cudaStream_t = nullptr) { return cudaSuccess; }
inline cudaError_t cudaEventQuery(cudaEvent_t) { return cudaSuccess; }  // everything before it has run already
inline cudaError_t cudaSetDevice(int device) { return orion_mock_result(device == 0 ? cudaSuccess : cudaErrorInvalidValue); }
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int device) {
    if (device != 0) return orion_mock_result(cudaErrorInvalidValue);
    std::strcpy(p->name, "Mock CPU device");
    p->major = 9; p->minor = 0;
    return cudaSuccess;
}
inline cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned) { *s = new OrionMockStream(); return cudaSuccess; }
inline cudaError_t cudaStreamDestroy(cudaStream_t s) { delete s; return cudaSuccess; }
inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaGetLastError() { cudaError_t e = orion_mock_last_error; orion_mock_last_error = cudaSuccess; return e; }
inline const char* cudaGetErrorName(cudaError_t e) {
    return e == cudaSuccess ? "cudaSuccess" : e == cudaErrorInvalidValue ? "cudaErrorInvalidValue"
         : e == cudaErrorNotReady ? "cudaErrorNotReady" : "cudaErrorMemoryAllocation";
}
inline const char* cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "mock failure"; }

struct OrionMockConfig { dim3 grid, block; };
inline OrionMockConfig orion_mock_config(dim3 grid, dim3 block, size_t = 0, cudaStream_t = nullptr) { return {grid, block}; }
template <typename Body>
void orion_mock_run(OrionMockConfig config, Body body) {
    gridDim = config.grid; blockDim = config.block;
    for (unsigned b = 0; b < config.grid.x; ++b)
        for (unsigned t = 0; t < config.block.x; ++t) {
            blockIdx = dim3(b, 0, 0); threadIdx = dim3(t, 0, 0);
            body();
        }
}
#define ORION_MOCK_LAUNCH(kernel, config, ...) orion_mock_run(orion_mock_config config, [&]() { kernel(__VA_ARGS__); })
