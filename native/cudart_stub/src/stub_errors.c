/* cudaGetLastError/cudaPeekAtLastError/cudaGetErrorName/cudaGetErrorString and sticky errors. */
#include <stdatomic.h>
#include <stddef.h>

#include "stub_internal.h"

static _Thread_local cudaError_t last_error = cudaSuccess;
static _Atomic int sticky_error = cudaSuccess;

int stub_is_sticky(cudaError_t error)
{
    /* The errors after which CUDA documents that the context is unusable until it is reset. */
    switch (error) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchTimeout:
    case cudaErrorAssert:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchFailure:
    case cudaErrorECCUncorrectable:
    case cudaErrorContained:
        return 1;
    default:
        return 0;
    }
}

cudaError_t stub_result(cudaError_t error)
{
    if (error != cudaSuccess) {
        last_error = error;
        if (stub_is_sticky(error)) {
            int expected = cudaSuccess;
            atomic_compare_exchange_strong(&sticky_error, &expected, (int)error);
        }
    }
    return error;
}

cudaError_t stub_sticky_error(void) { return (cudaError_t)atomic_load(&sticky_error); }

void stub_clear_sticky_error(void)
{
    atomic_store(&sticky_error, cudaSuccess);
    last_error = cudaSuccess;
}

cudaError_t stub_not_supported(const char *name, int *logged_flag)
{
    if (!__atomic_exchange_n(logged_flag, 1, __ATOMIC_RELAXED))
        stub_log(STUB_LOG_WARN, "%s is not supported by Orion; it returns cudaErrorNotSupported", name);
    return stub_result(cudaErrorNotSupported);
}

static const stub_error_entry *find_entry(cudaError_t error)
{
    int low = 0, high = stub_error_table_count - 1;
    while (low <= high) {
        int middle = low + (high - low) / 2;
        if (stub_error_table[middle].value == (int)error)
            return &stub_error_table[middle];
        if (stub_error_table[middle].value < (int)error)
            low = middle + 1;
        else
            high = middle - 1;
    }
    return NULL;
}

/*
 * As CUDA 13 behaves (observed on the GPU host): reading the last error clears it even when it
 * is sticky; the sticky error comes back from every later call that needs the device instead.
 */
STUB_API cudaError_t cudaGetLastError(void)
{
    cudaError_t error = last_error;
    last_error = cudaSuccess;
    return error;
}

STUB_API cudaError_t cudaPeekAtLastError(void) { return last_error; }

STUB_API const char *cudaGetErrorName(cudaError_t error)
{
    const stub_error_entry *entry = find_entry(error);
    return entry != NULL ? entry->name : "unrecognized error code";
}

STUB_API const char *cudaGetErrorString(cudaError_t error)
{
    const stub_error_entry *entry = find_entry(error);
    return entry != NULL ? entry->description : "unrecognized error code";
}
