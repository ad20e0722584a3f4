/*
 * Devices: handles, and every answer that comes from the server's status record (orion_nvml_device_status, wire
 * call 140). What cannot change while the program runs (name, UUID, PCI identity, serial, brand, architecture,
 * versions) is fetched once per device; memory, utilization, sensors and modes are asked for on every call.
 * A reading the server's NVML answered NOT_SUPPORTED (or any other code) for is answered with that code.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "nvml_internal.h"

struct nvmlDevice_st {
    unsigned int index;
};

static struct nvmlDevice_st handles[NVML_MAX_DEVICES];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static nvml_status cached[NVML_MAX_DEVICES];
static int cached_valid[NVML_MAX_DEVICES];

__attribute__((constructor)) static void number_handles(void)
{
    for (unsigned int i = 0; i < NVML_MAX_DEVICES; i++)
        handles[i].index = i;
}

static unsigned int device_count(void)
{
    int32_t count = 0;
    if (nvml_client.orion_device_count(&count) != 0 || count < 0)
        return 0;
    return count > NVML_MAX_DEVICES ? NVML_MAX_DEVICES : (unsigned int)count;
}

int nvml_device_index(nvmlDevice_t device)
{
    if (device == NULL || device < handles || device >= handles + NVML_MAX_DEVICES)
        return -1;
    unsigned int index = (unsigned int)(device - handles);
    return index < device_count() ? (int)index : -1;
}

nvmlReturn_t nvml_index_status(unsigned int index, int fresh, nvml_status *status)
{
    if (index >= NVML_MAX_DEVICES)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (!fresh) {
        pthread_mutex_lock(&cache_lock);
        int valid = cached_valid[index];
        if (valid)
            *status = cached[index];
        pthread_mutex_unlock(&cache_lock);
        if (valid)
            return NVML_SUCCESS;
    }
    int32_t result = nvml_client.orion_nvml_device_status((int32_t)index, ORION_NVML_READINGS, status->values,
                                                          status->statuses, status->uuid, status->texts,
                                                          (int32_t)sizeof status->texts);
    if (result != 0)
        return nvml_result(result);
    status->texts[sizeof status->texts - 1] = '\0';
    pthread_mutex_lock(&cache_lock);
    cached[index] = *status;
    cached_valid[index] = 1;
    pthread_mutex_unlock(&cache_lock);
    return NVML_SUCCESS;
}

nvmlReturn_t nvml_device_status(nvmlDevice_t device, int fresh, nvml_status *status)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    int index = nvml_device_index(device);
    if (index < 0)
        return NVML_ERROR_INVALID_ARGUMENT;
    return nvml_index_status((unsigned int)index, fresh, status);
}

nvmlReturn_t nvml_reading(nvmlDevice_t device, int reading, int fresh, uint64_t *value)
{
    nvml_status status;
    nvmlReturn_t result = nvml_device_status(device, fresh, &status);
    if (result != NVML_SUCCESS)
        return result;
    if (status.statuses[reading] != NVML_SUCCESS)
        return (nvmlReturn_t)status.statuses[reading];
    *value = status.values[reading];
    return NVML_SUCCESS;
}

void nvml_format_uuid(const uint8_t u[16], char *out)
{
    snprintf(out, 41, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
             u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

nvmlReturn_t nvml_copy_text(const char *text, char *buffer, unsigned int length)
{
    if (buffer == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    size_t needed = strlen(text) + 1;
    if (length < needed)
        return NVML_ERROR_INSUFFICIENT_SIZE;
    memcpy(buffer, text, needed);
    return NVML_SUCCESS;
}

/* ---- counting and finding devices ---- */

static nvmlReturn_t get_count(unsigned int *count)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    if (count == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    *count = device_count();
    return NVML_SUCCESS;
}

NVML_API nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount) { return get_count(deviceCount); }
NVML_API nvmlReturn_t nvmlDeviceGetCount(unsigned int *deviceCount) { return get_count(deviceCount); }

static nvmlReturn_t by_index(unsigned int index, nvmlDevice_t *device)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    if (device == NULL || index >= device_count())
        return NVML_ERROR_INVALID_ARGUMENT;
    *device = &handles[index];
    return NVML_SUCCESS;
}

NVML_API nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
    return by_index(index, device);
}

NVML_API nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device)
{
    return by_index(index, device);
}

NVML_API nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid, nvmlDevice_t *device)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    if (uuid == NULL || device == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    unsigned int count = device_count();
    for (unsigned int i = 0; i < count; i++) {
        nvml_status status;
        if ((result = nvml_index_status(i, 0, &status)) != NVML_SUCCESS)
            return result;
        char text[41];
        nvml_format_uuid(status.uuid, text);
        if (strcasecmp(text, uuid) == 0) {
            *device = &handles[i];
            return NVML_SUCCESS;
        }
    }
    return NVML_ERROR_NOT_FOUND;
}

/* NVML's accepted forms, all hexadecimal: domain:bus:device.function, domain:bus:device, bus:device.function. */
static int parse_bus_id(const char *text, unsigned int *domain, unsigned int *bus, unsigned int *slot)
{
    unsigned int a, b, c, d;
    int used = 0;
    if (sscanf(text, "%x:%x:%x.%x%n", &a, &b, &c, &d, &used) == 4 && text[used] == '\0') {
        *domain = a, *bus = b, *slot = c;
        return 1;
    }
    if (sscanf(text, "%x:%x:%x%n", &a, &b, &c, &used) == 3 && text[used] == '\0') {
        *domain = a, *bus = b, *slot = c;
        return 1;
    }
    if (sscanf(text, "%x:%x.%x%n", &a, &b, &c, &used) == 3 && text[used] == '\0') {
        *domain = 0, *bus = a, *slot = b;
        return 1;
    }
    return 0;
}

static nvmlReturn_t by_bus_id(const char *pciBusId, nvmlDevice_t *device)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    unsigned int domain, bus, slot;
    if (pciBusId == NULL || device == NULL || !parse_bus_id(pciBusId, &domain, &bus, &slot))
        return NVML_ERROR_INVALID_ARGUMENT;
    unsigned int count = device_count();
    for (unsigned int i = 0; i < count; i++) {
        nvml_status status;
        if ((result = nvml_index_status(i, 0, &status)) != NVML_SUCCESS)
            return result;
        if (status.statuses[ORION_NVML_PCI_DOMAIN] == NVML_SUCCESS && status.values[ORION_NVML_PCI_DOMAIN] == domain &&
            status.values[ORION_NVML_PCI_BUS] == bus && status.values[ORION_NVML_PCI_DEVICE] == slot) {
            *device = &handles[i];
            return NVML_SUCCESS;
        }
    }
    return NVML_ERROR_NOT_FOUND;
}

NVML_API nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char *pciBusId, nvmlDevice_t *device)
{
    return by_bus_id(pciBusId, device);
}

NVML_API nvmlReturn_t nvmlDeviceGetHandleByPciBusId(const char *pciBusId, nvmlDevice_t *device)
{
    return by_bus_id(pciBusId, device);
}

NVML_API nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    int found = nvml_device_index(device);
    if (found < 0 || index == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    *index = (unsigned int)found;
    return NVML_SUCCESS;
}

/* ---- identity ---- */

/* One reading into an unsigned int: fresh for what changes, else the identity fetched once. */
static nvmlReturn_t reading_uint(nvmlDevice_t device, int reading, int fresh, unsigned int *out)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    if (out == NULL || nvml_device_index(device) < 0)
        return NVML_ERROR_INVALID_ARGUMENT;
    uint64_t value;
    result = nvml_reading(device, reading, fresh, &value);
    if (result == NVML_SUCCESS)
        *out = (unsigned int)value;
    return result;
}

static nvmlReturn_t fixed_uint(nvmlDevice_t device, int reading, unsigned int *out)
{
    return reading_uint(device, reading, 0, out);
}

static nvmlReturn_t live_uint(nvmlDevice_t device, int reading, unsigned int *out)
{
    return reading_uint(device, reading, 1, out);
}

/* Two readings the server answers together, the first one's status speaking for both: fresh for what changes,
 * else the status fetched once. out is the caller's pointer (NULL: NVML_ERROR_INVALID_ARGUMENT). */
static nvmlReturn_t reading_pair(nvmlDevice_t device, int fresh, const void *out, int first, int second, uint64_t *a,
                                 uint64_t *b)
{
    nvml_status status;
    nvmlReturn_t result = nvml_device_status(device, fresh, &status);
    if (result != NVML_SUCCESS)
        return result;
    if (out == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (status.statuses[first] != NVML_SUCCESS)
        return (nvmlReturn_t)status.statuses[first];
    *a = status.values[first];
    *b = status.values[second];
    return NVML_SUCCESS;
}

NVML_API nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t device, unsigned int *minorNumber)
{
    return fixed_uint(device, ORION_NVML_MINOR_NUMBER, minorNumber);
}

static nvmlReturn_t text(nvmlDevice_t device, int offset, int reading, char *buffer, unsigned int length)
{
    nvml_status status;
    nvmlReturn_t result = nvml_device_status(device, 0, &status);
    if (result != NVML_SUCCESS)
        return result;
    if (buffer == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (reading >= 0 && status.statuses[reading] != NVML_SUCCESS)
        return (nvmlReturn_t)status.statuses[reading];
    return nvml_copy_text(status.texts + offset, buffer, length);
}

NVML_API nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
    return text(device, ORION_NVML_TEXT_NAME, -1, name, length);
}

NVML_API nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t device, char *serial, unsigned int length)
{
    return text(device, ORION_NVML_TEXT_SERIAL, ORION_NVML_SERIAL, serial, length);
}

NVML_API nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length)
{
    nvml_status status;
    nvmlReturn_t result = nvml_device_status(device, 0, &status);
    if (result != NVML_SUCCESS)
        return result;
    if (uuid == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    char formatted[41];
    nvml_format_uuid(status.uuid, formatted);
    return nvml_copy_text(formatted, uuid, length);
}

NVML_API nvmlReturn_t nvmlDeviceGetBrand(nvmlDevice_t device, nvmlBrandType_t *type)
{
    unsigned int value;
    nvmlReturn_t result = fixed_uint(device, ORION_NVML_BRAND, type == NULL ? NULL : &value);
    if (result == NVML_SUCCESS)
        *type = (nvmlBrandType_t)value;
    return result;
}

NVML_API nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t device, nvmlDeviceArchitecture_t *arch)
{
    return fixed_uint(device, ORION_NVML_ARCHITECTURE, arch);
}

NVML_API nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t device, int *major, int *minor)
{
    uint64_t first, second;
    nvmlReturn_t result = reading_pair(device, 0, major != NULL && minor != NULL ? major : NULL,
                                       ORION_NVML_COMPUTE_CAPABILITY_MAJOR, ORION_NVML_COMPUTE_CAPABILITY_MINOR, &first, &second);
    if (result == NVML_SUCCESS) {
        *major = (int)first;
        *minor = (int)second;
    }
    return result;
}

/* whole: _v2 and _v3 fill the structure; v1 stops after pciSubSystemId (the old structure's reserved words). */
static nvmlReturn_t pci_info(nvmlDevice_t device, nvmlPciInfo_t *pci, int whole)
{
    nvml_status status;
    nvmlReturn_t result = nvml_device_status(device, 0, &status);
    if (result != NVML_SUCCESS)
        return result;
    if (pci == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (status.statuses[ORION_NVML_PCI_DOMAIN] != NVML_SUCCESS)
        return (nvmlReturn_t)status.statuses[ORION_NVML_PCI_DOMAIN];
    unsigned int domain = (unsigned int)status.values[ORION_NVML_PCI_DOMAIN];
    unsigned int bus = (unsigned int)status.values[ORION_NVML_PCI_BUS];
    unsigned int slot = (unsigned int)status.values[ORION_NVML_PCI_DEVICE];
    /* The ids come from the server's NVML; without it they read 0, as the rest of the identity still stands. */
    unsigned int id = status.statuses[ORION_NVML_PCI_DEVICE_ID] == NVML_SUCCESS
                          ? (unsigned int)status.values[ORION_NVML_PCI_DEVICE_ID] : 0;
    unsigned int subsystem = status.statuses[ORION_NVML_PCI_SUBSYSTEM_ID] == NVML_SUCCESS
                                 ? (unsigned int)status.values[ORION_NVML_PCI_SUBSYSTEM_ID] : 0;
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04X:%02X:%02X.0", domain & 0xffff, bus & 0xff, slot & 0xff);
    pci->domain = domain;
    pci->bus = bus;
    pci->device = slot;
    pci->pciDeviceId = id;
    pci->pciSubSystemId = subsystem;
    if (whole)
        snprintf(pci->busId, sizeof pci->busId, "%08X:%02X:%02X.0", domain, bus & 0xff, slot & 0xff);
    return NVML_SUCCESS;
}

NVML_API nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *pci) { return pci_info(device, pci, 1); }
NVML_API nvmlReturn_t nvmlDeviceGetPciInfo_v2(nvmlDevice_t device, nvmlPciInfo_t *pci) { return pci_info(device, pci, 1); }
NVML_API nvmlReturn_t nvmlDeviceGetPciInfo(nvmlDevice_t device, nvmlPciInfo_t *pci) { return pci_info(device, pci, 0); }

/* ---- memory: this process's view (total: what it may use; used: what its session holds) ---- */

static nvmlReturn_t memory_view(nvmlDevice_t device, void *out, unsigned long long *total, unsigned long long *used)
{
    uint64_t total_bytes, used_bytes;
    nvmlReturn_t result = reading_pair(device, 1, out, ORION_NVML_MEMORY_TOTAL, ORION_NVML_MEMORY_USED, &total_bytes, &used_bytes);
    if (result != NVML_SUCCESS)
        return result;
    *total = total_bytes;
    *used = used_bytes;
    if (*used > *total)
        *used = *total;
    return NVML_SUCCESS;
}

NVML_API nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *memory)
{
    unsigned long long total, used;
    nvmlReturn_t result = memory_view(device, memory, &total, &used);
    if (result != NVML_SUCCESS)
        return result;
    memory->total = total;
    memory->used = used;
    memory->free = total - used;
    return NVML_SUCCESS;
}

NVML_API nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *memory)
{
    if (memory != NULL && nvml_begin() == NVML_SUCCESS && memory->version != nvmlMemory_v2)
        return NVML_ERROR_ARGUMENT_VERSION_MISMATCH;
    unsigned long long total, used;
    nvmlReturn_t result = memory_view(device, memory, &total, &used);
    if (result != NVML_SUCCESS)
        return result;
    memory->total = total;
    memory->reserved = 0; /* what the driver sets aside is the card's, not this process's */
    memory->used = used;
    memory->free = total - used;
    return NVML_SUCCESS;
}

/* Nothing of this process is mapped through BAR1: device memory reaches it over the network. */
NVML_API nvmlReturn_t nvmlDeviceGetBAR1MemoryInfo(nvmlDevice_t device, nvmlBAR1Memory_t *bar1Memory)
{
    uint64_t total;
    nvmlReturn_t result = nvml_reading(device, ORION_NVML_BAR1_TOTAL, 0, &total);
    if (result != NVML_SUCCESS)
        return result;
    if (bar1Memory == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    bar1Memory->bar1Total = total;
    bar1Memory->bar1Used = 0;
    bar1Memory->bar1Free = total;
    return NVML_SUCCESS;
}

/* ---- sensors, clocks and modes (the card's, as the server's NVML reports them) ---- */

NVML_API nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *utilization)
{
    uint64_t gpu, memory;
    nvmlReturn_t result = reading_pair(device, 1, utilization, ORION_NVML_UTILIZATION_GPU, ORION_NVML_UTILIZATION_MEMORY, &gpu, &memory);
    if (result == NVML_SUCCESS) {
        utilization->gpu = (unsigned int)gpu;
        utilization->memory = (unsigned int)memory;
    }
    return result;
}

NVML_API nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, nvmlTemperatureSensors_t sensorType,
                                               unsigned int *temp)
{
    if (sensorType != NVML_TEMPERATURE_GPU && nvml_begin() == NVML_SUCCESS)
        return NVML_ERROR_INVALID_ARGUMENT;
    return live_uint(device, ORION_NVML_TEMPERATURE, temp);
}

NVML_API nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
    return live_uint(device, ORION_NVML_POWER_USAGE, power);
}

NVML_API nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int *limit)
{
    return live_uint(device, ORION_NVML_ENFORCED_POWER_LIMIT, limit);
}

NVML_API nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned int *limit)
{
    return live_uint(device, ORION_NVML_POWER_MANAGEMENT_LIMIT, limit);
}

NVML_API nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t device, nvmlPstates_t *pState)
{
    unsigned int value;
    nvmlReturn_t result = live_uint(device, ORION_NVML_PERFORMANCE_STATE, pState == NULL ? NULL : &value);
    if (result == NVML_SUCCESS)
        *pState = (nvmlPstates_t)value;
    return result;
}

static nvmlReturn_t clock_reading(nvmlDevice_t device, nvmlClockType_t type, int first, int fresh, unsigned int *out)
{
    if ((unsigned)type >= NVML_CLOCK_COUNT && nvml_begin() == NVML_SUCCESS)
        return NVML_ERROR_INVALID_ARGUMENT;
    return fresh ? live_uint(device, first + (int)type, out) : fixed_uint(device, first + (int)type, out);
}

NVML_API nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *clockMHz)
{
    return clock_reading(device, type, ORION_NVML_CLOCK_GRAPHICS, 1, clockMHz);
}

NVML_API nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *clockMHz)
{
    return clock_reading(device, type, ORION_NVML_MAX_CLOCK_GRAPHICS, 0, clockMHz);
}

NVML_API nvmlReturn_t nvmlDeviceGetComputeMode(nvmlDevice_t device, nvmlComputeMode_t *mode)
{
    unsigned int value;
    nvmlReturn_t result = live_uint(device, ORION_NVML_COMPUTE_MODE, mode == NULL ? NULL : &value);
    if (result == NVML_SUCCESS)
        *mode = (nvmlComputeMode_t)value;
    return result;
}

static nvmlReturn_t enable_state(nvmlDevice_t device, int reading, nvmlEnableState_t *state)
{
    unsigned int value;
    nvmlReturn_t result = live_uint(device, reading, state == NULL ? NULL : &value);
    if (result == NVML_SUCCESS)
        *state = value ? NVML_FEATURE_ENABLED : NVML_FEATURE_DISABLED;
    return result;
}

NVML_API nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t device, nvmlEnableState_t *mode)
{
    return enable_state(device, ORION_NVML_PERSISTENCE_MODE, mode);
}

NVML_API nvmlReturn_t nvmlDeviceGetDisplayMode(nvmlDevice_t device, nvmlEnableState_t *display)
{
    return enable_state(device, ORION_NVML_DISPLAY_MODE, display);
}

NVML_API nvmlReturn_t nvmlDeviceGetDisplayActive(nvmlDevice_t device, nvmlEnableState_t *isActive)
{
    return enable_state(device, ORION_NVML_DISPLAY_ACTIVE, isActive);
}

NVML_API nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *currentMode, unsigned int *pendingMode)
{
    uint64_t current, pending;
    nvmlReturn_t result = reading_pair(device, 1, currentMode != NULL && pendingMode != NULL ? currentMode : NULL,
                                       ORION_NVML_MIG_MODE_CURRENT, ORION_NVML_MIG_MODE_PENDING, &current, &pending);
    if (result == NVML_SUCCESS) {
        *currentMode = (unsigned int)current;
        *pendingMode = (unsigned int)pending;
    }
    return result;
}

/* A passively cooled card has no fan: NOT_SUPPORTED from the server's NVML is the answer, passed on. */
NVML_API nvmlReturn_t nvmlDeviceGetFanSpeed(nvmlDevice_t device, unsigned int *speed)
{
    return live_uint(device, ORION_NVML_FAN_SPEED, speed);
}
