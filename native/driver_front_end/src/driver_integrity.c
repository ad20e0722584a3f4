/*
 * The runtime's integrity check (private table d4082055-..., slot 1). NVIDIA's runtime asks the
 * driver for a keyed hash of facts both sides know (the driver's version, the process and
 * thread, where the driver's private tables live, the time, every device's UUID and PCI
 * identity), computes the same hash itself, and refuses to run (cudaErrorSoftwareValidity-
 * NotEstablished) when they differ. Orion's driver answers from what it reports itself: its
 * own tables, and the remote devices' identity as cuDeviceGetUuid and the PCI attributes give
 * it. The algorithm (HMAC-MD2 over this message) was established by public projects (ZLUDA,
 * Lupine, Wine's nvcuda) and checked against driver 580 on the GPU host; it runs on the calling
 * thread and never reaches the server.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "driver_internal.h"
#include "driver_md2.h"

static const unsigned char integrity_key[16] = {0x14, 0x6A, 0xDD, 0xAE, 0x53, 0xA9, 0xA7, 0x52,
                                                0xAA, 0x08, 0x41, 0x36, 0x0B, 0xF5, 0x5A, 0x9F};

#define DEVICE_RECORD_BYTES 28 /* UUID, PCI domain, bus, device */
#define HEADER_BYTES 48

static void put32(unsigned char *at, uint32_t value) { memcpy(at, &value, 4); }
static void put64(unsigned char *at, uint64_t value) { memcpy(at, &value, 8); }

CUresult driver_integrity_check(uint32_t version, uint64_t unix_seconds, uint64_t result[2],
                                const void *runtime_table, const void *integrity_table, const void *integrity_function)
{
    if (result == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    /* Two modes of the check answer with fixed values. */
    if (version % 10 == 0 || version % 10 == 1) {
        result[0] = version % 10 == 0 ? 0x3341181C03CB675Cull : 0x1841181C03CB675Cull;
        result[1] = 0x8ED383AA1F4CD1E8ull;
        return CUDA_SUCCESS;
    }
    int driver_version = driver_reported_version(), count = 0;
    CUresult status = driver_connect();
    if (status == CUDA_SUCCESS)
        status = driver_device_count(&count);
    if (status != CUDA_SUCCESS)
        return status;
    if (count < 0 || count > DRIVER_MAX_DEVICES)
        return CUDA_ERROR_INVALID_VALUE;
    unsigned char message[HEADER_BYTES + DRIVER_MAX_DEVICES * DEVICE_RECORD_BYTES];
    put32(message + 0, (uint32_t)driver_version);
    put32(message + 4, version);
    put32(message + 8, (uint32_t)getpid());
    put32(message + 12, (uint32_t)(uintptr_t)pthread_self());
    put64(message + 16, (uint64_t)(uintptr_t)runtime_table);
    put64(message + 24, (uint64_t)(uintptr_t)integrity_table);
    put64(message + 32, (uint64_t)(uintptr_t)integrity_function);
    put64(message + 40, unix_seconds);
    for (int device = 0; device < count; device++) {
        unsigned char *record = message + HEADER_BYTES + device * DEVICE_RECORD_BYTES;
        int32_t domain = 0, bus = 0, slot = 0;
        int32_t numbers[3] = {50 /* PCI domain */, 33 /* PCI bus */, 34 /* PCI device */}, values[3];
        status = driver_result(driver_client.orion_device_get_uuid(device, record));
        if (status == CUDA_SUCCESS)
            status = driver_result(driver_client.orion_device_get_attributes(device, 3, numbers, values));
        if (status != CUDA_SUCCESS)
            return status;
        domain = values[0], bus = values[1], slot = values[2];
        put32(record + 16, (uint32_t)domain);
        put32(record + 20, (uint32_t)bus);
        put32(record + 24, (uint32_t)slot);
    }
    unsigned char digest[16];
    driver_hmac_md2(integrity_key, message, HEADER_BYTES + (size_t)count * DEVICE_RECORD_BYTES, digest);
    memcpy(result, digest, 16);
    return CUDA_SUCCESS;
}
