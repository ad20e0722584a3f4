/*
 * Prints the layout of every type and the value of every constant that Orion's
 * cuda_driver_abi.h declares (the list is driver_abi_fields.h, generated from that header).
 * Built twice on the GPU host by scripts/gpu-driver-test.sh: with -DABI_REAL against NVIDIA's
 * cuda.h, and against Orion's header. The two outputs must be equal.
 */
#include <stddef.h>
#include <stdio.h>

#ifdef ABI_REAL
#include <cuda.h>
#else
#include "cuda_driver_abi.h"
#endif

int main(void)
{
#define ABI_SIZE(type) printf("sizeof %s = %zu\n", #type, sizeof(type));
#define ABI_FIELD(type, member)                                                                                    \
    printf("offsetof %s.%s = %zu size %zu\n", #type, #member, offsetof(type, member), sizeof(((type *)0)->member));
#define ABI_VALUE(name) printf("value %s = %lld\n", #name, (long long)(name));
#include "driver_abi_fields.h"
    return 0;
}
