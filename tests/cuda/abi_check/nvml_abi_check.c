/*
 * Prints the layout of every type and the value of every constant that Orion's nvml_abi.h declares (the list is
 * nvml_abi_fields.h, generated from that header), then nvmlErrorString's text for every result code. Built twice
 * on the GPU host: with -DABI_REAL against NVIDIA's nvml.h and linked with NVIDIA's libnvidia-ml.so.1, and against
 * Orion's header linked with Orion's libnvidia-ml.so.1. The two outputs must be equal. nvmlErrorString needs no
 * nvmlInit, so neither run needs a GPU or a server.
 *
 *   gcc -std=c11 -DABI_REAL -I$CUDA_HOME/include -Itests/cuda/abi_check tests/cuda/abi_check/nvml_abi_check.c \
 *       -L<NVIDIA's driver libraries> -lnvidia-ml -o nvml_abi_real
 *   gcc -std=c11 -Inative/nvml_front_end/include -Itests/cuda/abi_check tests/cuda/abi_check/nvml_abi_check.c \
 *       -Lnative/nvml_front_end/build -l:libnvidia-ml.so.1 -o nvml_abi_orion
 */
#include <stddef.h>
#include <stdio.h>

#ifdef ABI_REAL
#include <nvml.h>
#else
#include "nvml_abi.h"
#endif

int main(void)
{
#define ABI_SIZE(type) printf("sizeof %s = %zu\n", #type, sizeof(type));
#define ABI_FIELD(type, member)                                                                                    \
    printf("offsetof %s.%s = %zu size %zu\n", #type, #member, offsetof(type, member), sizeof(((type *)0)->member));
#define ABI_VALUE(name) printf("value %s = %lld\n", #name, (long long)(name));
#include "nvml_abi_fields.h"
    for (int code = 0; code <= 1000; code++)
        printf("error %d %s\n", code, nvmlErrorString((nvmlReturn_t)code));
    return 0;
}
