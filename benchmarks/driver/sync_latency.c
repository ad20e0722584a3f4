/*
 * Round-trip latency of the driver calls a program waits on, timed call by call: the same binary
 * runs over NVIDIA's libcuda.so.1 (native) and over Orion's (remote), so the two figures compare
 * like for like. Built against the project's own ABI declarations (include/cuda_driver_abi.h).
 *
 * Cases (one line each, key=value, as orion_bench prints them):
 *   ctx_sync           cuCtxSynchronize with nothing queued
 *   memset_sync        cuMemsetD32Async of 4 bytes + cuStreamSynchronize (a queued call, then a wait)
 *   dtoh_4B            cuMemcpyDtoH of 4 bytes (a read: data comes back)
 *   htod_4B            cuMemcpyHtoD of 4 bytes
 *   decode_step        8 queued memsets, then a 4-byte read (a decode loop's shape)
 *   event_query        cuEventRecord + cuEventQuery until ready
 *
 * Usage: sync_latency [iterations]   (default 5000; a tenth as warm-up)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
CUresult cuMemcpyHtoD_v2(CUdeviceptr, const void *, size_t);
CUresult cuStreamCreate(CUstream *, unsigned int);
CUresult cuStreamSynchronize(CUstream);
CUresult cuEventCreate(CUevent *, unsigned int);
CUresult cuEventRecord(CUevent, CUstream);
CUresult cuEventQuery(CUevent);

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int failures;

#define CHECK(call)                                                                         \
    do {                                                                                    \
        CUresult result_ = (call);                                                          \
        if (result_ != CUDA_SUCCESS) {                                                      \
            fprintf(stderr, "%s failed: %d\n", #call, (int)result_);                       \
            failures++;                                                                     \
            return -1;                                                                      \
        }                                                                                   \
    } while (0)

typedef int (*step_fn)(unsigned int step);

static CUdeviceptr buffer;
static CUstream stream;
static CUevent event;

static int ctx_sync(unsigned int step)
{
    (void)step;
    CHECK(cuCtxSynchronize());
    return 0;
}

static int memset_sync(unsigned int step)
{
    CHECK(cuMemsetD32Async(buffer, step, 1, stream));
    CHECK(cuStreamSynchronize(stream));
    return 0;
}

static int dtoh_4B(unsigned int step)
{
    unsigned int value = 0;
    CHECK(cuMemcpyDtoH_v2(&value, buffer, sizeof value));
    (void)step;
    return 0;
}

static int htod_4B(unsigned int step)
{
    CHECK(cuMemcpyHtoD_v2(buffer, &step, sizeof step));
    return 0;
}

static int decode_step(unsigned int step)
{
    for (unsigned int k = 0; k < 8; k++) {
        CHECK(cuMemsetD32Async(buffer + 4 * k, step + k, 1, NULL));
    }
    unsigned int value = 0;
    CHECK(cuMemcpyDtoH_v2(&value, buffer + 28, sizeof value));
    if (value != step + 7) {
        fprintf(stderr, "decode_step read %u, expected %u\n", value, step + 7);
        failures++;
        return -1;
    }
    return 0;
}

static int event_query(unsigned int step)
{
    CHECK(cuMemsetD32Async(buffer, step, 1, stream));
    CHECK(cuEventRecord(event, stream));
    CUresult ready;
    while ((ready = cuEventQuery(event)) == CUDA_ERROR_NOT_READY) {
    }
    CHECK(ready);
    return 0;
}

static void run_case(const char *name, step_fn fn, unsigned int iterations)
{
    double *samples = malloc(sizeof(double) * iterations);
    unsigned int warm = iterations / 10 + 1;
    for (unsigned int i = 0; i < warm; i++) {
        if (fn(i) != 0) {
            printf("case=%s unit=us error=%d\n", name, failures);
            free(samples);
            return;
        }
    }
    double started = now_us();
    for (unsigned int i = 0; i < iterations; i++) {
        double t0 = now_us();
        if (fn(i) != 0) {
            printf("case=%s unit=us error=%d\n", name, failures);
            free(samples);
            return;
        }
        samples[i] = now_us() - t0;
    }
    double total = now_us() - started;
    qsort(samples, iterations, sizeof(double), compare_doubles);
    printf("case=%s unit=us better=lower value=%.2f p50=%.2f p90=%.2f p99=%.2f mean=%.2f n=%u\n", name,
           samples[iterations / 2], samples[iterations / 2], samples[iterations * 9 / 10],
           samples[iterations * 99 / 100], total / iterations, iterations);
    fflush(stdout);
    free(samples);
}

int main(int argc, char **argv)
{
    unsigned int iterations = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 10) : 5000;
    if (iterations < 10) {
        iterations = 10;
    }
    CUdevice device;
    CUcontext context;
    if (cuInit(0) != CUDA_SUCCESS || cuDeviceGet(&device, 0) != CUDA_SUCCESS ||
        cuDevicePrimaryCtxRetain(&context, device) != CUDA_SUCCESS || cuCtxSetCurrent(context) != CUDA_SUCCESS ||
        cuMemAlloc_v2(&buffer, 1 << 16) != CUDA_SUCCESS || cuStreamCreate(&stream, 1) != CUDA_SUCCESS ||
        cuEventCreate(&event, 2 /* CU_EVENT_DISABLE_TIMING */) != CUDA_SUCCESS) {
        printf("# setup failed\n");
        return 2;
    }
    const char *only = getenv("SYNC_LATENCY_CASES");
    struct {
        const char *name;
        step_fn fn;
    } cases[] = {
        {"ctx_sync", ctx_sync},       {"memset_sync", memset_sync}, {"dtoh_4B", dtoh_4B},
        {"htod_4B", htod_4B},         {"decode_step", decode_step}, {"event_query", event_query},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (only == NULL || strstr(only, cases[i].name) != NULL) {
            run_case(cases[i].name, cases[i].fn, iterations);
        }
    }
    printf("# done failures=%d\n", failures);
    return failures == 0 ? 0 : 1;
}
