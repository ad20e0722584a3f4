/*
 * What a training loop sees when its server goes away: it works on the device until a call fails,
 * then prints the failing call's result and how long the failure took to arrive after the last
 * success (tests/Orion.CudartStub.Tests stops the server once READY is printed). Never a hang: a
 * queued call returns at once, and the next call that waits gets CUDA_ERROR_DEVICE_UNAVAILABLE.
 * The declarations are ours (include/cuda_driver_abi.h); no NVIDIA header is used.
 */
#include <stdio.h>
#include <time.h>

#include "cuda_driver_abi.h"

CUresult cuInit(unsigned int);
CUresult cuDeviceGet(CUdevice *, int);
CUresult cuDevicePrimaryCtxRetain(CUcontext *, CUdevice);
CUresult cuCtxSetCurrent(CUcontext);
CUresult cuCtxSynchronize(void);
CUresult cuMemAlloc_v2(CUdeviceptr *, size_t);
CUresult cuMemsetD32Async(CUdeviceptr, unsigned int, size_t, CUstream);
CUresult cuMemcpyDtoH_v2(void *, CUdeviceptr, size_t);

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    CUdevice device;
    CUcontext context;
    CUdeviceptr buffer;
    if (cuInit(0) != CUDA_SUCCESS || cuDeviceGet(&device, 0) != CUDA_SUCCESS ||
        cuDevicePrimaryCtxRetain(&context, device) != CUDA_SUCCESS || cuCtxSetCurrent(context) != CUDA_SUCCESS ||
        cuMemAlloc_v2(&buffer, 1 << 20) != CUDA_SUCCESS) {
        printf("SETUP FAILED\n");
        return 2;
    }
    double last_success = now_seconds();
    for (unsigned int step = 0;; step++) {
        CUresult queued = cuMemsetD32Async(buffer, step, (1 << 20) / 4, NULL);
        unsigned int back = 0;
        CUresult waited = queued == CUDA_SUCCESS ? cuMemcpyDtoH_v2(&back, buffer, sizeof back) : queued;
        if (waited != CUDA_SUCCESS || back != step) {
            printf("LOST %d after %.1f s at step %u\n", (int)waited, now_seconds() - last_success, step);
            fflush(stdout);
            return 3;
        }
        last_success = now_seconds();
        if (step == 10) {
            printf("READY\n");
            fflush(stdout);
        }
        if (step > 10) {
            struct timespec pause = {0, 2 * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
}
