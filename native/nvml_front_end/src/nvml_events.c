/*
 * Event sets and MIG handles, as far as Orion serves them: a tenant can create, wait on and free an event set,
 * but no device delivers events into one (nvmlDeviceRegisterEvents stays NOT_SUPPORTED), so a wait ends with
 * NVML_ERROR_TIMEOUT after its timeout. Orion lends whole devices, never MIG instances: a device has no MIG
 * devices and no handle of this library is one. nvidia-smi creates a set first thing and stops if it cannot.
 */
#include <stdlib.h>
#include <time.h>

#include "nvml_internal.h"

/* A set that can hold no event: its tag tells this library's sets from anything else passed in. */
struct nvml_event_set {
    uint64_t tag;
};

#define EVENT_SET_TAG 0x4f52494f4e455653ull /* "ORIONEVS" */

NVML_API nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    if (set == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    struct nvml_event_set *created = malloc(sizeof *created);
    if (created == NULL)
        return NVML_ERROR_MEMORY;
    created->tag = EVENT_SET_TAG;
    *set = (nvmlEventSet_t)created;
    return NVML_SUCCESS;
}

static struct nvml_event_set *event_set(nvmlEventSet_t set)
{
    struct nvml_event_set *own = (struct nvml_event_set *)set;
    return own != NULL && own->tag == EVENT_SET_TAG ? own : NULL;
}

NVML_API nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    struct nvml_event_set *own = event_set(set);
    if (own == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    own->tag = 0;
    free(own);
    return NVML_SUCCESS;
}

/* No event ever arrives: the wait takes its timeout and says so. */
static nvmlReturn_t wait_for_nothing(nvmlEventSet_t set, void *data, unsigned int timeoutms)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    if (event_set(set) == NULL || data == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    struct timespec pause = {(time_t)(timeoutms / 1000), (long)(timeoutms % 1000) * 1000000L};
    while (nanosleep(&pause, &pause) != 0) {
    }
    return NVML_ERROR_TIMEOUT;
}

NVML_API nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, void *data, unsigned int timeoutms)
{
    return wait_for_nothing(set, data, timeoutms);
}

NVML_API nvmlReturn_t nvmlEventSetWait(nvmlEventSet_t set, void *data, unsigned int timeoutms)
{
    return wait_for_nothing(set, data, timeoutms);
}

/* A count or flag that is 0 for every device of this library (after checking the device and the pointer). */
static nvmlReturn_t zero_for_device(nvmlDevice_t device, unsigned int *out)
{
    nvml_status status;
    nvmlReturn_t result = nvml_device_status(device, 0, &status);
    if (result != NVML_SUCCESS)
        return result;
    if (out == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    *out = 0;
    return NVML_SUCCESS;
}

NVML_API nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count)
{
    return zero_for_device(device, count);
}

NVML_API nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t device, unsigned int *isMigDevice)
{
    return zero_for_device(device, isMigDevice);
}
