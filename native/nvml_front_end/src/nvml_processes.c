/*
 * Running processes as a tenant may see them: only this process, when its session has a context or memory on
 * the device, with the memory that session holds there by the server's accounting. The pid is this process's
 * own (getpid(), the number the program and its tools know it by; the hello carries none). Other processes on
 * the card, this tenant's or others', are never listed. No graphics context runs through Orion: that list is
 * always empty.
 */
#include <unistd.h>

#include "nvml_internal.h"

/* The caller's list: none, or this process with its memory. */
static nvmlReturn_t own_processes(nvmlDevice_t device, int graphics, unsigned int *count, unsigned int *pid,
                                  unsigned long long *used)
{
    nvml_status status;
    nvmlReturn_t result = nvml_device_status(device, 1, &status);
    if (result != NVML_SUCCESS)
        return result;
    if (count == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    *count = !graphics && status.statuses[ORION_NVML_SESSION_ACTIVE] == NVML_SUCCESS &&
             status.values[ORION_NVML_SESSION_ACTIVE] != 0;
    *pid = (unsigned int)getpid();
    *used = status.values[ORION_NVML_MEMORY_USED];
    return NVML_SUCCESS;
}

/* NVML's rule: *infoCount in, the number of processes out; too small an array answers INSUFFICIENT_SIZE with the
 * number needed (0 is allowed with infos NULL, to ask); infos is written only when it holds them all. */
#define FILL_PROCESSES(info_type, extra)                                                                          \
    do {                                                                                                           \
        unsigned int found, pid;                                                                                   \
        unsigned long long used;                                                                                   \
        nvmlReturn_t result = own_processes(device, graphics, infoCount == NULL ? NULL : &found, &pid, &used);      \
        if (result != NVML_SUCCESS)                                                                                \
            return result;                                                                                         \
        if (*infoCount < found) {                                                                                  \
            *infoCount = found;                                                                                    \
            return NVML_ERROR_INSUFFICIENT_SIZE;                                                                   \
        }                                                                                                          \
        if (found > 0 && infos == NULL)                                                                            \
            return NVML_ERROR_INVALID_ARGUMENT;                                                                    \
        *infoCount = found;                                                                                        \
        if (found > 0) {                                                                                           \
            info_type *info = &infos[0];                                                                           \
            info->pid = pid;                                                                                       \
            info->usedGpuMemory = used;                                                                            \
            extra;                                                                                                 \
        }                                                                                                          \
        return NVML_SUCCESS;                                                                                       \
    } while (0)

#define NO_MIG                                                                                                     \
    info->gpuInstanceId = 0xFFFFFFFFu;                                                                             \
    info->computeInstanceId = 0xFFFFFFFFu

static nvmlReturn_t processes_v1(nvmlDevice_t device, int graphics, unsigned int *infoCount, nvmlProcessInfo_v1_t *infos)
{
    FILL_PROCESSES(nvmlProcessInfo_v1_t, (void)0);
}

static nvmlReturn_t processes_v2(nvmlDevice_t device, int graphics, unsigned int *infoCount, nvmlProcessInfo_v2_t *infos)
{
    FILL_PROCESSES(nvmlProcessInfo_v2_t, NO_MIG);
}

NVML_API nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *infoCount,
                                                           nvmlProcessInfo_v1_t *infos)
{
    return processes_v1(device, 0, infoCount, infos);
}

NVML_API nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device, unsigned int *infoCount,
                                                              nvmlProcessInfo_v2_t *infos)
{
    return processes_v2(device, 0, infoCount, infos);
}

NVML_API nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount,
                                                              nvmlProcessInfo_t *infos)
{
    return processes_v2(device, 0, infoCount, infos);
}

NVML_API nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses(nvmlDevice_t device, unsigned int *infoCount,
                                                            nvmlProcessInfo_v1_t *infos)
{
    return processes_v1(device, 1, infoCount, infos);
}

NVML_API nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(nvmlDevice_t device, unsigned int *infoCount,
                                                               nvmlProcessInfo_v2_t *infos)
{
    return processes_v2(device, 1, infoCount, infos);
}

NVML_API nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t device, unsigned int *infoCount,
                                                               nvmlProcessInfo_t *infos)
{
    return processes_v2(device, 1, infoCount, infos);
}
