/*
 * What PyTorch and nvidia-smi ask NVML, printed one fact a line so that a run on NVIDIA's libnvidia-ml.so.1 and
 * one through Orion's can be compared line by line: versions, device count, and per device the name, UUID, PCI
 * bus id, memory (v1 and v2), BAR1, utilization, the compute processes, sensors, clocks and modes. A query NVML
 * refuses prints its error text instead of a value.
 *
 * With an argument N the program first allocates N MiB on device 0 through the CUDA driver (libcuda.so.1, loaded
 * with dlopen: NVIDIA's natively, Orion's through Orion), so that it holds a context and memory and lists itself
 * among the compute processes; the process lines say "self" for this process and "other" for anyone else.
 *
 * Build: natively   gcc -std=c11 -O1 nvml_query.c -I$CUDA_HOME/include -lnvidia-ml -ldl -o nvml_query
 *        for Orion  gcc -std=c11 -O1 -DORION_NVML_ABI nvml_query.c -I<native/nvml_front_end/include> \
 *                       -L<dir of Orion's libnvidia-ml.so.1> -l:libnvidia-ml.so.1 -ldl -o nvml_query_orion
 * (make -C native/nvml_front_end query builds the second); run the Orion one with LD_LIBRARY_PATH holding Orion's
 * libnvidia-ml.so.1 and libcuda.so.1, ORION_SERVER and ORION_CLIENT_LIB as for any Orion program.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef ORION_NVML_ABI
#include "nvml_abi.h"
#else
#include <nvml.h>
#endif

#define MIB (1024ull * 1024)

static int failed;

/* Prints "label: value" when the call succeeded, "label: <error text>" otherwise. */
#define SHOW(label, call, ...)                                                                                     \
    do {                                                                                                           \
        nvmlReturn_t result_ = (call);                                                                             \
        if (result_ == NVML_SUCCESS)                                                                               \
            printf(label ": " __VA_ARGS__);                                                                        \
        else                                                                                                       \
            printf(label ": %s\n", nvmlErrorString(result_));                                                      \
    } while (0)

/* Holds a context and `mib` MiB on device 0 through the CUDA driver, for the rest of the run. */
static int hold_memory(unsigned long long mib)
{
    void *cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (cuda == NULL) {
        fprintf(stderr, "cannot load libcuda.so.1: %s\n", dlerror());
        return 1;
    }
    int (*init)(unsigned int) = (int (*)(unsigned int))dlsym(cuda, "cuInit");
    int (*get)(int *, int) = (int (*)(int *, int))dlsym(cuda, "cuDeviceGet");
    int (*retain)(void **, int) = (int (*)(void **, int))dlsym(cuda, "cuDevicePrimaryCtxRetain");
    int (*set_current)(void *) = (int (*)(void *))dlsym(cuda, "cuCtxSetCurrent");
    int (*alloc)(unsigned long long *, size_t) = (int (*)(unsigned long long *, size_t))dlsym(cuda, "cuMemAlloc_v2");
    int device = 0;
    void *context = NULL;
    unsigned long long address = 0;
    int status;
    if (init == NULL || get == NULL || retain == NULL || set_current == NULL || alloc == NULL ||
        (status = init(0)) != 0 || (status = get(&device, 0)) != 0 || (status = retain(&context, device)) != 0 ||
        (status = set_current(context)) != 0 || (status = alloc(&address, (size_t)(mib * MIB))) != 0) {
        fprintf(stderr, "cannot hold %llu MiB through the CUDA driver\n", mib);
        return 1;
    }
    printf("held through the CUDA driver: %llu MiB\n", mib);
    return 0;
}

static void processes(nvmlDevice_t device, unsigned int index)
{
    unsigned int count = 0;
    nvmlReturn_t result = nvmlDeviceGetComputeRunningProcesses_v3(device, &count, NULL);
    if (result != NVML_SUCCESS && result != NVML_ERROR_INSUFFICIENT_SIZE) {
        printf("device %u compute processes: %s\n", index, nvmlErrorString(result));
        return;
    }
    nvmlProcessInfo_t infos[64];
    count = 64;
    result = nvmlDeviceGetComputeRunningProcesses_v3(device, &count, infos);
    if (result != NVML_SUCCESS) {
        printf("device %u compute processes: %s\n", index, nvmlErrorString(result));
        return;
    }
    printf("device %u compute processes: %u\n", index, count);
    for (unsigned int i = 0; i < count; i++) {
        char name[256] = "";
        if (nvmlSystemGetProcessName(infos[i].pid, name, sizeof name) != NVML_SUCCESS)
            strcpy(name, "?");
        printf("device %u process %u: %s, %s, %llu MiB\n", index, i,
               infos[i].pid == (unsigned int)getpid() ? "self" : "other", infos[i].pid == (unsigned int)getpid()
                   ? name : "(another process)", infos[i].usedGpuMemory / MIB);
    }
    count = 64;
    result = nvmlDeviceGetGraphicsRunningProcesses_v3(device, &count, infos);
    if (result == NVML_SUCCESS)
        printf("device %u graphics processes: %u\n", index, count);
    else
        printf("device %u graphics processes: %s\n", index, nvmlErrorString(result));
}

static void query(unsigned int index)
{
    printf("== device %u\n", index);
    nvmlDevice_t device;
    nvmlReturn_t result = nvmlDeviceGetHandleByIndex_v2(index, &device);
    if (result != NVML_SUCCESS) {
        printf("device %u handle: %s\n", index, nvmlErrorString(result));
        failed = 1;
        return;
    }
    char text[128];
    printf("device %u name: %s\n", index, nvmlDeviceGetName(device, text, sizeof text) == NVML_SUCCESS ? text : "?");
    SHOW("device uuid", nvmlDeviceGetUUID(device, text, sizeof text), "%s\n", text);
    SHOW("device serial", nvmlDeviceGetSerial(device, text, sizeof text), "%s\n", text);
    unsigned int value = 0, other = 0;
    SHOW("device index", nvmlDeviceGetIndex(device, &value), "%u\n", value);
    SHOW("device minor number", nvmlDeviceGetMinorNumber(device, &value), "%u\n", value);
    nvmlBrandType_t brand;
    SHOW("device brand", nvmlDeviceGetBrand(device, &brand), "%d\n", (int)brand);
    nvmlDeviceArchitecture_t architecture;
    SHOW("device architecture", nvmlDeviceGetArchitecture(device, &architecture), "%u\n", architecture);
    int major = 0, minor = 0;
    SHOW("device compute capability", nvmlDeviceGetCudaComputeCapability(device, &major, &minor), "%d.%d\n", major,
         minor);

    nvmlPciInfo_t pci;
    memset(&pci, 0, sizeof pci);
    SHOW("device pci bus id", nvmlDeviceGetPciInfo_v3(device, &pci), "%s (legacy %s)\n", pci.busId, pci.busIdLegacy);
    printf("device pci ids: device 0x%08x subsystem 0x%08x\n", pci.pciDeviceId, pci.pciSubSystemId);
    nvmlDevice_t found = NULL;
    result = nvmlDeviceGetHandleByPciBusId_v2(pci.busId, &found);
    printf("device by pci bus id: %s\n", result == NVML_SUCCESS ? (found == device ? "same" : "different")
                                                                : nvmlErrorString(result));
    if (nvmlDeviceGetUUID(device, text, sizeof text) == NVML_SUCCESS) {
        result = nvmlDeviceGetHandleByUUID(text, &found);
        printf("device by uuid: %s\n", result == NVML_SUCCESS ? (found == device ? "same" : "different")
                                                              : nvmlErrorString(result));
    }

    nvmlMemory_t memory;
    SHOW("device memory", nvmlDeviceGetMemoryInfo(device, &memory), "total %llu MiB, used %llu MiB, free %llu MiB\n",
         memory.total / MIB, memory.used / MIB, memory.free / MIB);
    nvmlMemory_v2_t memory2;
    memset(&memory2, 0, sizeof memory2);
    memory2.version = nvmlMemory_v2;
    SHOW("device memory v2", nvmlDeviceGetMemoryInfo_v2(device, &memory2),
         "total %llu MiB, reserved %llu MiB, used %llu MiB, free %llu MiB\n", memory2.total / MIB,
         memory2.reserved / MIB, memory2.used / MIB, memory2.free / MIB);
    nvmlBAR1Memory_t bar1;
    SHOW("device bar1", nvmlDeviceGetBAR1MemoryInfo(device, &bar1), "total %llu MiB, used %llu MiB\n",
         bar1.bar1Total / MIB, bar1.bar1Used / MIB);
    nvmlUtilization_t utilization;
    SHOW("device utilization", nvmlDeviceGetUtilizationRates(device, &utilization), "gpu %u%%, memory %u%%\n",
         utilization.gpu, utilization.memory);
    processes(device, index);

    SHOW("device temperature", nvmlDeviceGetTemperature(device, NVML_TEMPERATURE_GPU, &value), "%u C\n", value);
    SHOW("device power usage", nvmlDeviceGetPowerUsage(device, &value), "%u mW\n", value);
    SHOW("device enforced power limit", nvmlDeviceGetEnforcedPowerLimit(device, &value), "%u mW\n", value);
    SHOW("device power management limit", nvmlDeviceGetPowerManagementLimit(device, &value), "%u mW\n", value);
    nvmlPstates_t state;
    SHOW("device performance state", nvmlDeviceGetPerformanceState(device, &state), "P%d\n", (int)state);
    static const char *const clocks[] = {"graphics", "sm", "memory", "video"};
    for (int clock = 0; clock < 4; clock++) {
        printf("device clock %s: ", clocks[clock]);
        result = nvmlDeviceGetClockInfo(device, (nvmlClockType_t)clock, &value);
        nvmlReturn_t max = nvmlDeviceGetMaxClockInfo(device, (nvmlClockType_t)clock, &other);
        printf("%s%u MHz, max %s%u MHz\n", result == NVML_SUCCESS ? "" : nvmlErrorString(result),
               result == NVML_SUCCESS ? value : 0, max == NVML_SUCCESS ? "" : nvmlErrorString(max),
               max == NVML_SUCCESS ? other : 0);
    }
    nvmlComputeMode_t mode;
    SHOW("device compute mode", nvmlDeviceGetComputeMode(device, &mode), "%d\n", (int)mode);
    nvmlEnableState_t enabled;
    SHOW("device persistence mode", nvmlDeviceGetPersistenceMode(device, &enabled), "%d\n", (int)enabled);
    SHOW("device display mode", nvmlDeviceGetDisplayMode(device, &enabled), "%d\n", (int)enabled);
    SHOW("device display active", nvmlDeviceGetDisplayActive(device, &enabled), "%d\n", (int)enabled);
    SHOW("device mig mode", nvmlDeviceGetMigMode(device, &value, &other), "current %u, pending %u\n", value, other);
    SHOW("device fan speed", nvmlDeviceGetFanSpeed(device, &value), "%u%%\n", value);
}

int main(int argc, char **argv)
{
    if (argc > 1 && hold_memory(strtoull(argv[1], NULL, 10)) != 0)
        return 2;
    nvmlReturn_t result = nvmlInit_v2();
    if (result != NVML_SUCCESS) {
        printf("nvmlInit_v2: %s\n", nvmlErrorString(result));
        return 1;
    }
    char text[96];
    SHOW("driver version", nvmlSystemGetDriverVersion(text, sizeof text), "%s\n", text);
    SHOW("nvml version", nvmlSystemGetNVMLVersion(text, sizeof text), "%s\n", text);
    int version = 0;
    SHOW("cuda driver version", nvmlSystemGetCudaDriverVersion_v2(&version), "%d\n", version);
    unsigned int count = 0;
    result = nvmlDeviceGetCount_v2(&count);
    if (result != NVML_SUCCESS) {
        printf("device count: %s\n", nvmlErrorString(result));
        return 1;
    }
    printf("device count: %u\n", count);
    for (unsigned int i = 0; i < count; i++)
        query(i);
    result = nvmlShutdown();
    printf("shutdown: %s\n", nvmlErrorString(result));
    return failed;
}
