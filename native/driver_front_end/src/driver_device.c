/* Devices: count, identity, attributes, memory size, PCI identity and peer queries. */
#include <stdio.h>
#include <string.h>

#include "driver_internal.h"

CUresult driver_device_count(int *count)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    int32_t remote = 0;
    result = driver_result(driver_client.orion_device_count(&remote));
    if (result == CUDA_SUCCESS && remote > DRIVER_MAX_DEVICES) {
        static int logged;
        if (!__atomic_exchange_n(&logged, 1, __ATOMIC_RELAXED))
            driver_log(DRIVER_LOG_WARN, "the server offers %d devices; this driver shows the first %d", (int)remote,
                       DRIVER_MAX_DEVICES);
        remote = DRIVER_MAX_DEVICES;
    }
    *count = result == CUDA_SUCCESS ? remote : 0;
    return result;
}

CUresult driver_check_device(CUdevice device)
{
    int count = 0;
    CUresult result = driver_device_count(&count);
    if (result != CUDA_SUCCESS)
        return result;
    return device >= 0 && device < count && device < DRIVER_MAX_DEVICES ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

/*
 * What the remote GPU can do through Orion, where that differs from what the GPU can do
 * locally: host memory is not shared between the client's host and the server's GPU, so the
 * features built on that sharing (mapped and managed memory, pageable access, host atomics,
 * IPC and shareable handles, pools whose memory can be exported, GPUDirect RDMA, which serves devices on the
 * GPU's host) say no, as do sparse arrays and compressible memory, which are not carried. Memory pools and
 * virtual memory management themselves are forwarded (driver_memory_pool.c, driver_virtual_memory.c):
 * "supported" is the server device's answer.
 */
static int orion_capability(int attribute, int *value)
{
    switch (attribute) {
    case 19:  /* CAN_MAP_HOST_MEMORY */
    case 83:  /* MANAGED_MEMORY */
    case 86:  /* HOST_NATIVE_ATOMIC_SUPPORTED */
    case 88:  /* PAGEABLE_MEMORY_ACCESS */
    case 89:  /* CONCURRENT_MANAGED_ACCESS */
    case 91:  /* CAN_USE_HOST_POINTER_FOR_REGISTERED_MEM */
    case 100: /* PAGEABLE_MEMORY_ACCESS_USES_HOST_PAGE_TABLES */
    case 101: /* DIRECT_MANAGED_MEM_ACCESS_FROM_HOST */
    case 103: /* HANDLE_TYPE_POSIX_FILE_DESCRIPTOR_SUPPORTED */
    case 104: /* HANDLE_TYPE_WIN32_HANDLE_SUPPORTED */
    case 105: /* HANDLE_TYPE_WIN32_KMT_HANDLE_SUPPORTED */
    case 107: /* GENERIC_COMPRESSION_SUPPORTED */
    case 110: /* GPU_DIRECT_RDMA_WITH_CUDA_VMM_SUPPORTED */
    case 112: /* SPARSE_CUDA_ARRAY_SUPPORTED */
    case 116: /* GPU_DIRECT_RDMA_SUPPORTED */
    case 119: /* MEMPOOL_SUPPORTED_HANDLE_TYPES */
    case 125: /* IPC_EVENT_SUPPORTED */
    case 128: /* HANDLE_TYPE_FABRIC_SUPPORTED */
        *value = 0;
        return 1;
    default:
        return 0;
    }
}

CUresult driver_device_attribute(CUdevice device, int attribute, int *value)
{
    if (value == NULL || attribute <= 0 || attribute >= CU_DEVICE_ATTRIBUTE_MAX)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    if (orion_capability(attribute, value))
        return CUDA_SUCCESS;
    int32_t number = attribute, remote = 0;
    result = driver_result(driver_client.orion_device_get_attributes(device, 1, &number, &remote));
    if (result == CUDA_SUCCESS)
        *value = remote;
    return result;
}

DRIVER_API CUresult cuDeviceGetCount(int *count)
{
    if (count == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return driver_device_count(count);
}

DRIVER_API CUresult cuDeviceGet(CUdevice *device, int ordinal)
{
    if (device == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(ordinal);
    if (result == CUDA_SUCCESS)
        *device = ordinal;
    return result;
}

DRIVER_API CUresult cuDeviceGetAttribute(int *value, int attribute, CUdevice device)
{
    return driver_device_attribute(device, attribute, value);
}

DRIVER_API CUresult cuDeviceGetName(char *name, int length, CUdevice device)
{
    if (name == NULL || length <= 0)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    return result != CUDA_SUCCESS ? result : driver_result(driver_client.orion_device_get_name(device, name, length));
}

static CUresult device_uuid(CUuuid *uuid, CUdevice device)
{
    if (uuid == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    return result != CUDA_SUCCESS ? result
                                  : driver_result(driver_client.orion_device_get_uuid(device, (uint8_t *)uuid->bytes));
}

DRIVER_API CUresult cuDeviceGetUuid(CUuuid *uuid, CUdevice device) { return device_uuid(uuid, device); }
DRIVER_API CUresult cuDeviceGetUuid_v2(CUuuid *uuid, CUdevice device) { return device_uuid(uuid, device); }

static CUresult total_memory(size_t *bytes, CUdevice device)
{
    if (bytes == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    uint64_t remote = 0;
    result = driver_result(driver_client.orion_device_total_memory(device, &remote));
    if (result == CUDA_SUCCESS)
        *bytes = remote;
    return result;
}

DRIVER_API CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice device) { return total_memory(bytes, device); }

/* The pre-3.2 ABI took an unsigned int. */
DRIVER_API CUresult cuDeviceTotalMem(unsigned int *bytes, CUdevice device)
{
    size_t total = 0;
    CUresult result = bytes == NULL ? CUDA_ERROR_INVALID_VALUE : total_memory(&total, device);
    if (result == CUDA_SUCCESS)
        *bytes = total > 0xFFFFFFFFu ? 0xFFFFFFFFu : (unsigned int)total;
    return result;
}

DRIVER_API CUresult cuDeviceComputeCapability(int *major, int *minor, CUdevice device)
{
    if (major == NULL || minor == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_device_attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, major);
    return result != CUDA_SUCCESS ? result
                                  : driver_device_attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, minor);
}

static CUresult pci_identity(CUdevice device, int *domain, int *bus, int *slot)
{
    CUresult result = driver_device_attribute(device, CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID, domain);
    if (result == CUDA_SUCCESS)
        result = driver_device_attribute(device, CU_DEVICE_ATTRIBUTE_PCI_BUS_ID, bus);
    if (result == CUDA_SUCCESS)
        result = driver_device_attribute(device, CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID, slot);
    return result;
}

/* The server GPU's PCI identity, in the driver's "domain:bus:device.function" form: 4-digit domain,
 * upper-case hex, 12 characters (callers size the buffer at 13, as the driver's documentation says). */
DRIVER_API CUresult cuDeviceGetPCIBusId(char *text, int length, CUdevice device)
{
    if (text == NULL || length <= 0)
        return CUDA_ERROR_INVALID_VALUE;
    int domain, bus, slot;
    CUresult result = pci_identity(device, &domain, &bus, &slot);
    if (result == CUDA_SUCCESS)
        snprintf(text, (size_t)length, "%04X:%02X:%02X.0", (unsigned)domain & 0xFFFF, (unsigned)bus & 0xFF,
                 (unsigned)slot & 0xFF);
    return result;
}

DRIVER_API CUresult cuDeviceGetByPCIBusId(CUdevice *device, const char *text)
{
    unsigned int domain = 0, bus = 0, slot = 0, function = 0;
    if (device == NULL || text == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    if (sscanf(text, "%x:%x:%x.%x", &domain, &bus, &slot, &function) != 4 &&
        sscanf(text, "%x:%x.%x", &bus, &slot, &function) != 3)
        return CUDA_ERROR_INVALID_VALUE;
    int count = 0;
    CUresult result = driver_device_count(&count);
    for (int i = 0; result == CUDA_SUCCESS && i < count; i++) {
        int d, b, s;
        result = pci_identity(i, &d, &b, &s);
        if (result == CUDA_SUCCESS && (unsigned)d == domain && (unsigned)b == bus && (unsigned)s == slot) {
            *device = i;
            return CUDA_SUCCESS;
        }
    }
    return result != CUDA_SUCCESS ? result : CUDA_ERROR_INVALID_DEVICE;
}

/* Peer access between the remote devices of one server is not forwarded yet: each device
 * answers that it cannot reach another. */
DRIVER_API CUresult cuDeviceCanAccessPeer(int *can, CUdevice device, CUdevice peer)
{
    if (can == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    if (result == CUDA_SUCCESS)
        result = driver_check_device(peer);
    if (result == CUDA_SUCCESS && device == peer)
        result = CUDA_ERROR_INVALID_DEVICE;
    if (result == CUDA_SUCCESS)
        *can = 0;
    return result;
}

DRIVER_API CUresult cuDeviceGetP2PAttribute(int *value, int attribute, CUdevice source, CUdevice destination)
{
    int can = 0;
    if (value == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = cuDeviceCanAccessPeer(&can, source, destination);
    if (result == CUDA_SUCCESS)
        *value = 0;
    return result;
}
