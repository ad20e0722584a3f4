/*
 * The NVML front end against the mock client (native/cudart_stub/test/mock_client.c, `make test`): every
 * implemented function's answer, NVML's argument rules, reference-counted initialization, the process list of
 * this process only, memory used that follows what this process allocates through the same client library,
 * and an unsupported function (NVML_ERROR_NOT_SUPPORTED, its name logged once; the Makefile counts the line).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvml_abi.h"
#include "nvml_check.h"

/* Not implemented by Orion: answers NVML_ERROR_NOT_SUPPORTED and logs once. */
nvmlReturn_t nvmlDeviceGetEccMode(nvmlDevice_t device, nvmlEnableState_t *current, nvmlEnableState_t *pending);

#define MIB (1024ull * 1024)

/* Allocates through the client library this process's NVML uses: ORION_CLIENT_LIB is already loaded, so dlopen
 * returns that one instance. */
static int32_t allocate(uint64_t bytes, uint64_t *address)
{
    void *client = dlopen(getenv("ORION_CLIENT_LIB"), RTLD_NOW | RTLD_NOLOAD);
    if (client == NULL)
        return -1;
    int32_t (*orion_malloc)(int32_t, uint64_t, uint64_t *) =
        (int32_t(*)(int32_t, uint64_t, uint64_t *))dlsym(client, "orion_malloc");
    return orion_malloc == NULL ? -1 : orion_malloc(0, bytes, address);
}

static void before_init(void)
{
    unsigned int count = 7;
    EXPECT(NVML_ERROR_UNINITIALIZED, nvmlDeviceGetCount_v2(&count));
    EXPECT(NVML_ERROR_UNINITIALIZED, nvmlShutdown());
    char text[80];
    EXPECT(NVML_ERROR_UNINITIALIZED, nvmlSystemGetDriverVersion(text, sizeof text));
    CHECK(strcmp(nvmlErrorString(NVML_SUCCESS), "Success") == 0);
    CHECK(strcmp(nvmlErrorString(NVML_ERROR_NOT_SUPPORTED), "Not Supported") == 0);
    CHECK(strcmp(nvmlErrorString(NVML_ERROR_UNKNOWN), "Unknown Error") == 0);
    CHECK(strcmp(nvmlErrorString((nvmlReturn_t)12345), "Unknown Error") == 0);
}

static void identity(nvmlDevice_t device)
{
    char text[128];
    OK(nvmlDeviceGetName(device, text, sizeof text));
    CHECK(strcmp(text, "Orion mock device") == 0);
    EXPECT(NVML_ERROR_INSUFFICIENT_SIZE, nvmlDeviceGetName(device, text, 5));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetName(device, NULL, 64));
    OK(nvmlDeviceGetUUID(device, text, NVML_DEVICE_UUID_BUFFER_SIZE));
    CHECK(strcmp(text, "GPU-a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf") == 0);
    EXPECT(NVML_ERROR_INSUFFICIENT_SIZE, nvmlDeviceGetUUID(device, text, 40));
    OK(nvmlDeviceGetSerial(device, text, NVML_DEVICE_SERIAL_BUFFER_SIZE));
    CHECK(strcmp(text, "MOCK-0001") == 0);

    nvmlDevice_t found = NULL;
    OK(nvmlDeviceGetHandleByUUID("GPU-a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf", &found));
    CHECK(found == device);
    found = NULL;
    OK(nvmlDeviceGetHandleByUUID("GPU-A0A1A2A3-A4A5-A6A7-A8A9-AAABACADAEAF", &found));
    CHECK(found == device);
    EXPECT(NVML_ERROR_NOT_FOUND, nvmlDeviceGetHandleByUUID("GPU-00000000-0000-0000-0000-000000000000", &found));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetHandleByUUID(NULL, &found));

    nvmlBrandType_t brand;
    OK(nvmlDeviceGetBrand(device, &brand));
    CHECK(brand == NVML_BRAND_TESLA);
    nvmlDeviceArchitecture_t architecture;
    OK(nvmlDeviceGetArchitecture(device, &architecture));
    CHECK(architecture == NVML_DEVICE_ARCH_HOPPER);
    int major = -1, minor = -1;
    OK(nvmlDeviceGetCudaComputeCapability(device, &major, &minor));
    CHECK(major == 9 && minor == 0);
    unsigned int value = 0;
    OK(nvmlDeviceGetMinorNumber(device, &value));
    CHECK(value == 3);
    OK(nvmlDeviceGetIndex(device, &value));
    CHECK(value == 0);
}

static void pci(nvmlDevice_t device)
{
    nvmlPciInfo_t info;
    memset(&info, 0x55, sizeof info);
    OK(nvmlDeviceGetPciInfo_v3(device, &info));
    CHECK(strcmp(info.busId, "00000000:0B:00.0") == 0);
    CHECK(strcmp(info.busIdLegacy, "0000:0B:00.0") == 0);
    CHECK(info.domain == 0 && info.bus == 0x0b && info.device == 0);
    CHECK(info.pciDeviceId == 0x233510deu && info.pciSubSystemId == 0x18b010deu);
    memset(&info, 0x55, sizeof info);
    OK(nvmlDeviceGetPciInfo_v2(device, &info));
    CHECK(strcmp(info.busId, "00000000:0B:00.0") == 0);
    /* v1 fills the old structure, whose tail was reserved: busId stays as the caller left it. */
    memset(&info, 0x55, sizeof info);
    OK(nvmlDeviceGetPciInfo(device, &info));
    CHECK(strcmp(info.busIdLegacy, "0000:0B:00.0") == 0 && info.pciDeviceId == 0x233510deu);
    CHECK((unsigned char)info.busId[0] == 0x55);

    nvmlDevice_t found;
    const char *forms[] = {"0000:0b:00.0", "00000000:0B:00.0", "0:b:0", "0b:00.0"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        found = NULL;
        OK(nvmlDeviceGetHandleByPciBusId_v2(forms[i], &found));
        CHECK(found == device);
    }
    OK(nvmlDeviceGetHandleByPciBusId("0000:0b:00.0", &found));
    EXPECT(NVML_ERROR_NOT_FOUND, nvmlDeviceGetHandleByPciBusId_v2("0000:0c:00.0", &found));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetHandleByPciBusId_v2("not a bus id", &found));
}

/* Memory and processes: this process's view, following what it allocates. */
static void memory_and_processes(nvmlDevice_t device)
{
    nvmlMemory_t memory;
    OK(nvmlDeviceGetMemoryInfo(device, &memory));
    CHECK(memory.total == 1024 * MIB && memory.used == 0 && memory.free == memory.total);

    unsigned int count = 5;
    nvmlProcessInfo_t processes[4];
    OK(nvmlDeviceGetComputeRunningProcesses_v3(device, &count, processes));
    CHECK(count == 0);
    count = 0;
    OK(nvmlDeviceGetComputeRunningProcesses_v3(device, &count, NULL));
    CHECK(count == 0);

    uint64_t address = 0;
    CHECK(allocate(3 * MIB, &address) == 0);
    OK(nvmlDeviceGetMemoryInfo(device, &memory));
    CHECK(memory.used == 3 * MIB && memory.free == memory.total - 3 * MIB);

    nvmlMemory_v2_t memory2;
    memset(&memory2, 0, sizeof memory2);
    memory2.version = nvmlMemory_v2;
    OK(nvmlDeviceGetMemoryInfo_v2(device, &memory2));
    CHECK(memory2.total == 1024 * MIB && memory2.used == 3 * MIB && memory2.reserved == 0 &&
          memory2.free == memory2.total - memory2.used);
    memory2.version = 1;
    EXPECT(NVML_ERROR_ARGUMENT_VERSION_MISMATCH, nvmlDeviceGetMemoryInfo_v2(device, &memory2));

    count = 0;
    EXPECT(NVML_ERROR_INSUFFICIENT_SIZE, nvmlDeviceGetComputeRunningProcesses_v3(device, &count, NULL));
    CHECK(count == 1);
    memset(processes, 0, sizeof processes);
    count = 4;
    OK(nvmlDeviceGetComputeRunningProcesses_v3(device, &count, processes));
    CHECK(count == 1 && processes[0].pid == (unsigned int)getpid() && processes[0].usedGpuMemory == 3 * MIB);
    CHECK(processes[0].gpuInstanceId == 0xFFFFFFFFu && processes[0].computeInstanceId == 0xFFFFFFFFu);
    nvmlProcessInfo_v2_t processes2[2];
    count = 2;
    OK(nvmlDeviceGetComputeRunningProcesses_v2(device, &count, processes2));
    CHECK(count == 1 && processes2[0].pid == (unsigned int)getpid());
    nvmlProcessInfo_v1_t processes1[2];
    memset(processes1, 0, sizeof processes1);
    count = 2;
    OK(nvmlDeviceGetComputeRunningProcesses(device, &count, processes1));
    CHECK(count == 1 && processes1[0].pid == (unsigned int)getpid() && processes1[0].usedGpuMemory == 3 * MIB);
    CHECK(processes1[1].pid == 0); /* v1 elements are 16 bytes: nothing written past the first */
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetComputeRunningProcesses_v3(device, NULL, processes));
    count = 4;
    OK(nvmlDeviceGetGraphicsRunningProcesses_v3(device, &count, processes));
    CHECK(count == 0);
    count = 4;
    OK(nvmlDeviceGetGraphicsRunningProcesses(device, &count, processes1));
    CHECK(count == 0);
    count = 4;
    OK(nvmlDeviceGetGraphicsRunningProcesses_v2(device, &count, processes2));
    CHECK(count == 0);

    char name[256];
    OK(nvmlSystemGetProcessName((unsigned int)getpid(), name, sizeof name));
    CHECK(strstr(name, "nvml_api_test") != NULL);
    OK(nvmlSystemGetProcessName((unsigned int)getpid(), name, 4));
    CHECK(strlen(name) == 3);
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlSystemGetProcessName((unsigned int)getpid(), NULL, 10));

    nvmlBAR1Memory_t bar1;
    OK(nvmlDeviceGetBAR1MemoryInfo(device, &bar1));
    CHECK(bar1.bar1Total == 256 * MIB && bar1.bar1Used == 0 && bar1.bar1Free == bar1.bar1Total);
}

static void sensors(nvmlDevice_t device)
{
    nvmlUtilization_t utilization;
    OK(nvmlDeviceGetUtilizationRates(device, &utilization));
    CHECK(utilization.gpu == 42 && utilization.memory == 17);
    unsigned int value = 0;
    OK(nvmlDeviceGetTemperature(device, NVML_TEMPERATURE_GPU, &value));
    CHECK(value == 35);
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetTemperature(device, NVML_TEMPERATURE_COUNT, &value));
    OK(nvmlDeviceGetPowerUsage(device, &value));
    CHECK(value == 75000);
    OK(nvmlDeviceGetEnforcedPowerLimit(device, &value));
    CHECK(value == 700000);
    OK(nvmlDeviceGetPowerManagementLimit(device, &value));
    CHECK(value == 700000);
    nvmlPstates_t state;
    OK(nvmlDeviceGetPerformanceState(device, &state));
    CHECK(state == NVML_PSTATE_0);
    for (int clock = 0; clock < NVML_CLOCK_COUNT; clock++) {
        OK(nvmlDeviceGetClockInfo(device, (nvmlClockType_t)clock, &value));
        CHECK(value == 1000u + 100u * (unsigned)clock);
        OK(nvmlDeviceGetMaxClockInfo(device, (nvmlClockType_t)clock, &value));
        CHECK(value == 2000u + 100u * (unsigned)clock);
    }
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetClockInfo(device, NVML_CLOCK_COUNT, &value));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetPowerUsage(device, NULL));
    nvmlComputeMode_t mode;
    OK(nvmlDeviceGetComputeMode(device, &mode));
    CHECK(mode == NVML_COMPUTEMODE_DEFAULT);
    nvmlEnableState_t enabled;
    OK(nvmlDeviceGetPersistenceMode(device, &enabled));
    CHECK(enabled == NVML_FEATURE_ENABLED);
    OK(nvmlDeviceGetDisplayMode(device, &enabled));
    CHECK(enabled == NVML_FEATURE_DISABLED);
    OK(nvmlDeviceGetDisplayActive(device, &enabled));
    CHECK(enabled == NVML_FEATURE_DISABLED);
    unsigned int current = 9, pending = 9;
    OK(nvmlDeviceGetMigMode(device, &current, &pending));
    CHECK(current == NVML_DEVICE_MIG_DISABLE && pending == NVML_DEVICE_MIG_DISABLE);
    /* The mock's card has no fan: its NVML's NOT_SUPPORTED is the answer. */
    EXPECT(NVML_ERROR_NOT_SUPPORTED, nvmlDeviceGetFanSpeed(device, &value));
}

static void system_queries(void)
{
    char text[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
    OK(nvmlSystemGetDriverVersion(text, sizeof text));
    CHECK(strcmp(text, "580.00.01-mock") == 0);
    EXPECT(NVML_ERROR_INSUFFICIENT_SIZE, nvmlSystemGetDriverVersion(text, 5));
    OK(nvmlSystemGetNVMLVersion(text, sizeof text));
    CHECK(strcmp(text, "13.580.00.01-mock") == 0);
    int version = 0;
    OK(nvmlSystemGetCudaDriverVersion(&version));
    CHECK(version == 13000);
    version = 0;
    OK(nvmlSystemGetCudaDriverVersion_v2(&version));
    CHECK(version == 13000);
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlSystemGetCudaDriverVersion_v2(NULL));
}

/* The private table nvidia-smi asks for first (nvml_export_table.c): its size word, the entries it calls, and
 * refusal of any other table. */
static void smi_table(nvmlDevice_t device)
{
    static const unsigned char smi_uuid[16] = {0xc4, 0xfe, 0x3e, 0x6c, 0xc9, 0x8f, 0x6c, 0x4e,
                                               0xa3, 0x27, 0xee, 0x69, 0x6e, 0x12, 0xf7, 0xc4};
    unsigned char other_uuid[16];
    memcpy(other_uuid, smi_uuid, sizeof other_uuid);
    other_uuid[15] ^= 1;
    const void *table = (const void *)&table;
    EXPECT(NVML_ERROR_NOT_SUPPORTED, nvmlInternalGetExportTable(&table, other_uuid));
    CHECK(table == NULL);
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlInternalGetExportTable(NULL, smi_uuid));
    OK(nvmlInternalGetExportTable(&table, smi_uuid));
    void *const *entries = (void *const *)table;
    CHECK(entries != NULL && (uintptr_t)entries[0] == 0x870);
    if (entries == NULL)
        return;
    nvmlReturn_t (*bus_id)(unsigned int, char *, unsigned int) = (nvmlReturn_t (*)(unsigned int, char *, unsigned int))entries[81];
    char text[34];
    OK(bus_id(0, text, sizeof text));
    CHECK(strcmp(text, "0000:0b:00.0") == 0);
    EXPECT(NVML_ERROR_INSUFFICIENT_SIZE, bus_id(0, text, 4));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, bus_id(1, text, sizeof text));
    nvmlReturn_t (*list)(nvmlDevice_t, unsigned int *, void *, unsigned int) =
        (nvmlReturn_t (*)(nvmlDevice_t, unsigned int *, void *, unsigned int))entries[213];
    unsigned int count = 500;
    OK(list(device, &count, text, 2));
    CHECK(count == 0);
    nvmlReturn_t (*unsupported)(void) = (nvmlReturn_t (*)(void))entries[3];
    EXPECT(NVML_ERROR_NOT_SUPPORTED, unsupported());
    CHECK(entries[1] == NULL && entries[266] == NULL && entries[26] != NULL);
}

/* Event sets exist but never receive an event; Orion's devices are never MIG devices and hold none. */
static void events_and_mig(nvmlDevice_t device)
{
    nvmlEventSet_t set = NULL;
    OK(nvmlEventSetCreate(&set));
    CHECK(set != NULL);
    unsigned char data[64];
    EXPECT(NVML_ERROR_TIMEOUT, nvmlEventSetWait_v2(set, data, 1));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlEventSetWait_v2(set, NULL, 1));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlEventSetCreate(NULL));
    OK(nvmlEventSetFree(set));
    unsigned int value = 7;
    OK(nvmlDeviceGetMaxMigDeviceCount(device, &value));
    CHECK(value == 0);
    value = 7;
    OK(nvmlDeviceIsMigDeviceHandle(device, &value));
    CHECK(value == 0);
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceIsMigDeviceHandle(device, NULL));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetMaxMigDeviceCount((nvmlDevice_t)&value, &value));
}

int main(void)
{
    before_init();
    OK(nvmlInit_v2());
    OK(nvmlInitWithFlags(NVML_INIT_FLAG_NO_GPUS));
    unsigned int count = 0;
    OK(nvmlDeviceGetCount_v2(&count));
    CHECK(count == 1);
    OK(nvmlDeviceGetCount(&count));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetCount_v2(NULL));
    nvmlDevice_t device = NULL, other = NULL;
    OK(nvmlDeviceGetHandleByIndex_v2(0, &device));
    OK(nvmlDeviceGetHandleByIndex(0, &other));
    CHECK(device != NULL && device == other);
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetHandleByIndex_v2(1, &other));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetHandleByIndex_v2(0, NULL));
    unsigned int value;
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetMinorNumber(NULL, &value));
    EXPECT(NVML_ERROR_INVALID_ARGUMENT, nvmlDeviceGetMinorNumber((nvmlDevice_t)&count, &value));

    identity(device);
    pci(device);
    memory_and_processes(device);
    sensors(device);
    system_queries();
    smi_table(device);
    events_and_mig(device);

    nvmlEnableState_t current, pending;
    EXPECT(NVML_ERROR_NOT_SUPPORTED, nvmlDeviceGetEccMode(device, &current, &pending));
    EXPECT(NVML_ERROR_NOT_SUPPORTED, nvmlDeviceGetEccMode(device, &current, &pending));

    /* Two initializations, two shutdowns; then every call is uninitialized until the next nvmlInit. */
    OK(nvmlShutdown());
    OK(nvmlDeviceGetCount_v2(&count));
    OK(nvmlShutdown());
    EXPECT(NVML_ERROR_UNINITIALIZED, nvmlDeviceGetCount_v2(&count));
    EXPECT(NVML_ERROR_UNINITIALIZED, nvmlDeviceGetMinorNumber(device, &value));
    EXPECT(NVML_ERROR_UNINITIALIZED, nvmlShutdown());
    OK(nvmlInit());
    OK(nvmlDeviceGetMinorNumber(device, &value));
    OK(nvmlShutdown());
    return finish();
}
