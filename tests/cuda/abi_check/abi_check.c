/*
 * Prints the layout of every type and the value of every constant Orion's cuda_abi.h declares.
 * Built twice on the GPU host: with -DABI_REAL against CUDA 13's cuda_runtime_api.h, and
 * against Orion's headers (linked with Orion's libcudart.so.13). The two outputs must be equal.
 * It also prints the runtime's answer to cudaGetErrorName/String for every code, so that the
 * stub's error table is compared with the real runtime's, not only the enum values.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#ifdef ABI_REAL
#include <cuda_runtime_api.h>
#else
#include "cuda_abi.h"
const char *cudaGetErrorName(cudaError_t error);
const char *cudaGetErrorString(cudaError_t error);
#endif

int main(void)
{
#define ABI_SIZE(type) printf("sizeof %s = %zu\n", #type, sizeof(type));
#define ABI_FIELD(type, member)                                                                                    \
    printf("offsetof %s.%s = %zu size %zu\n", #type, #member, offsetof(type, member), sizeof(((type *)0)->member));
#define ABI_VALUE(name) printf("value %s = %lld\n", #name, (long long)(name));
#include "abi_fields.h"
    for (int code = 0; code <= 10000; code++) {
        const char *name = cudaGetErrorName((cudaError_t)code);
        if (strcmp(name, "unrecognized error code") != 0)
            printf("error %d %s | %s\n", code, name, cudaGetErrorString((cudaError_t)code));
    }
    printf("error 12345 %s | %s\n", cudaGetErrorName((cudaError_t)12345), cudaGetErrorString((cudaError_t)12345));
    return 0;
}
