/*
 * One process, both front ends: memory allocated and filled through Orion's libcudart.so.13 is read
 * back through Orion's libcuda.so.1. That only works if both talk to the one client library and the
 * one server session of the process (whichever front end loads first); two sessions would not share
 * the allocation. Run by tests/Orion.CudartStub.Tests against the real client and an emulated server.
 * The few declarations are written here, with plain types, so the two ABI headers need not meet.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int cudaMalloc(void **pointer, size_t size);
int cudaMemcpy(void *dst, const void *src, size_t size, int kind);
int cudaFree(void *pointer);
int cuInit(unsigned int flags);
int cuDevicePrimaryCtxRetain(void **context, int device);
int cuCtxSetCurrent(void *context);
int cuMemcpyDtoH_v2(void *dst, uint64_t src, size_t size);
int cuMemsetD32_v2(uint64_t dst, unsigned int value, size_t count);

#define HOST_TO_DEVICE 1

int main(void)
{
    unsigned int written[64], read[64];
    for (int i = 0; i < 64; i++)
        written[i] = 0x1000u + (unsigned)i;
    void *device = NULL, *context = NULL;
    int status = cudaMalloc(&device, sizeof written);
    if (status == 0)
        status = cudaMemcpy(device, written, sizeof written, HOST_TO_DEVICE);
    if (status != 0) {
        fprintf(stderr, "runtime front end failed: %d\n", status);
        return 1;
    }
    status = cuInit(0);
    if (status == 0)
        status = cuDevicePrimaryCtxRetain(&context, 0);
    if (status == 0)
        status = cuCtxSetCurrent(context);
    if (status == 0)
        status = cuMemcpyDtoH_v2(read, (uint64_t)(uintptr_t)device, sizeof read);
    if (status != 0 || memcmp(written, read, sizeof read) != 0) {
        fprintf(stderr, "driver front end did not see the runtime's allocation: status %d\n", status);
        return 1;
    }
    /* And the other way: the driver writes, the runtime reads. */
    status = cuMemsetD32_v2((uint64_t)(uintptr_t)device, 0xABCDu, 64);
    if (status == 0)
        status = cudaMemcpy(read, device, sizeof read, 2 /* device to host */);
    if (status != 0 || read[0] != 0xABCDu || read[63] != 0xABCDu) {
        fprintf(stderr, "runtime front end did not see the driver's write: status %d\n", status);
        return 1;
    }
    cudaFree(device);
    printf("PASS one session for both front ends\n");
    return 0;
}
