/*
 * Orion's NVML beside Orion's CUDA driver in one process, against a real server (tests/Orion.CudartStub.Tests runs
 * it against the emulated device): both libraries use the one client and session of the process, so what this
 * program allocates through the driver is exactly what NVML reports as used, and NVML lists this process, and
 * only it, with that memory. The test runs while another session of the same server holds memory: NVML must not
 * show it. NVML's identity of the device agrees with the driver's (name, UUID, PCI bus id, total memory).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "nvml_abi.h"
#include "nvml_check.h"

/* The few driver entry points used, declared with the driver's ABI (CUdevice is an int, CUdeviceptr 64 bits). */
int cuInit(unsigned int flags);
int cuDeviceGetCount(int *count);
int cuDeviceGet(int *device, int ordinal);
int cuDeviceGetName(char *name, int length, int device);
int cuDeviceGetUuid_v2(unsigned char uuid[16], int device);
int cuDeviceGetPCIBusId(char *busId, int length, int device);
int cuDeviceTotalMem_v2(size_t *bytes, int device);
int cuDevicePrimaryCtxRetain(void **context, int device);
int cuCtxSetCurrent(void *context);
int cuMemAlloc_v2(unsigned long long *pointer, size_t bytes);
int cuMemFree_v2(unsigned long long pointer);

#define MIB (1024ull * 1024)

static unsigned int own_processes(nvmlDevice_t device, unsigned long long *used)
{
    nvmlProcessInfo_t infos[8];
    unsigned int count = 8;
    OK(nvmlDeviceGetComputeRunningProcesses_v3(device, &count, infos));
    *used = 0;
    for (unsigned int i = 0; i < count; i++) {
        CHECK(infos[i].pid == (unsigned int)getpid()); /* nobody else, ever */
        *used = infos[i].usedGpuMemory;
    }
    return count;
}

int main(void)
{
    int cuda_count = 0, cu_device = 0;
    CHECK(cuInit(0) == 0);
    CHECK(cuDeviceGetCount(&cuda_count) == 0 && cuda_count > 0);
    CHECK(cuDeviceGet(&cu_device, 0) == 0);

    OK(nvmlInit_v2());
    unsigned int count = 0;
    OK(nvmlDeviceGetCount_v2(&count));
    CHECK((int)count == cuda_count);
    nvmlDevice_t device;
    OK(nvmlDeviceGetHandleByIndex_v2(0, &device));

    char cuda_name[256] = "", name[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = "";
    CHECK(cuDeviceGetName(cuda_name, sizeof cuda_name, cu_device) == 0);
    OK(nvmlDeviceGetName(device, name, sizeof name));
    CHECK(strcmp(name, cuda_name) == 0);
    CHECK(strstr(name, "emulated") != NULL);

    unsigned char u[16];
    char expected[64], uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = "";
    CHECK(cuDeviceGetUuid_v2(u, cu_device) == 0);
    snprintf(expected, sizeof expected, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    OK(nvmlDeviceGetUUID(device, uuid, sizeof uuid));
    CHECK(strcmp(uuid, expected) == 0);
    CHECK(strncmp(uuid, "GPU-4f52494f-4e2d-454d-55", 25) == 0); /* the emulated device's bytes, "ORION-EMU", in order */
    if (strcmp(uuid, expected) != 0)
        fprintf(stderr, "NVML says %s, the driver %s\n", uuid, expected);

    char bus_id[64] = "";
    nvmlPciInfo_t pci;
    CHECK(cuDeviceGetPCIBusId(bus_id, sizeof bus_id, cu_device) == 0);
    OK(nvmlDeviceGetPciInfo_v3(device, &pci));
    CHECK(strcasecmp(pci.busIdLegacy, bus_id) == 0);
    nvmlDevice_t found = NULL;
    OK(nvmlDeviceGetHandleByPciBusId_v2(bus_id, &found));
    CHECK(found == device);

    char text[96];
    OK(nvmlDeviceGetSerial(device, text, sizeof text));
    CHECK(strcmp(text, "EMULATED-0") == 0);
    OK(nvmlSystemGetDriverVersion(text, sizeof text));
    CHECK(strstr(text, "emulated") != NULL);
    unsigned int value = 0;
    OK(nvmlDeviceGetTemperature(device, NVML_TEMPERATURE_GPU, &value));
    CHECK(value == 30);
    EXPECT(NVML_ERROR_NOT_SUPPORTED, nvmlDeviceGetFanSpeed(device, &value));

    /* Nothing held yet: nothing used, no process (another session's memory is not this process's). */
    size_t total = 0;
    CHECK(cuDeviceTotalMem_v2(&total, cu_device) == 0);
    nvmlMemory_t memory;
    OK(nvmlDeviceGetMemoryInfo(device, &memory));
    CHECK(memory.total == total && memory.used == 0 && memory.free == total);
    unsigned long long listed = 1;
    CHECK(own_processes(device, &listed) == 0);

    void *context = NULL;
    unsigned long long first = 0, second = 0;
    CHECK(cuDevicePrimaryCtxRetain(&context, cu_device) == 0 && cuCtxSetCurrent(context) == 0);
    CHECK(cuMemAlloc_v2(&first, 8 * MIB) == 0);
    CHECK(cuMemAlloc_v2(&second, 3 * MIB) == 0);
    OK(nvmlDeviceGetMemoryInfo(device, &memory));
    CHECK(memory.used == 11 * MIB && memory.free == total - 11 * MIB);
    CHECK(own_processes(device, &listed) == 1 && listed == 11 * MIB);

    CHECK(cuMemFree_v2(first) == 0);
    OK(nvmlDeviceGetMemoryInfo(device, &memory));
    CHECK(memory.used == 3 * MIB);
    CHECK(own_processes(device, &listed) == 1 && listed == 3 * MIB);
    CHECK(cuMemFree_v2(second) == 0);
    /* The context is still there: the process stays listed, holding nothing. */
    CHECK(own_processes(device, &listed) == 1 && listed == 0);
    OK(nvmlShutdown());
    return finish();
}
