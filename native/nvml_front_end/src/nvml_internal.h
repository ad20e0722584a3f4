/* Declarations shared by the NVML front end's translation units (none of this is exported). */
#ifndef ORION_NVML_INTERNAL_H
#define ORION_NVML_INTERNAL_H

#include <stdint.h>

#include "nvml_abi.h"
#include "orion_client_loader.h"

#define NVML_API __attribute__((visibility("default")))
#define NVML_MAX_DEVICES 64

/* The client library's entry points, filled by a successful nvml_connect. */
extern orion_client_api nvml_client;

/* nvmlInit's work (nvml_client.c): connects once per process; NVML_SUCCESS or NVML_ERROR_DRIVER_NOT_LOADED. */
nvmlReturn_t nvml_connect(void);
/* The first line of every entry point but nvmlInit* and nvmlErrorString: NVML_ERROR_UNINITIALIZED unless an
 * nvmlInit is in force. */
nvmlReturn_t nvml_begin(void);
/* An Orion client result (a cudaError_t number) as NVML's. */
nvmlReturn_t nvml_result(int32_t client_status);

/* A device's status as the server answered it (nvml_device.c). */
typedef struct nvml_status {
    uint64_t values[ORION_NVML_READINGS];
    int32_t statuses[ORION_NVML_READINGS];
    uint8_t uuid[16];
    char texts[ORION_NVML_TEXTS * ORION_NVML_TEXT_BYTES];
} nvml_status;

/* The status of device (a handle of this library): fresh asks the server now; otherwise a copy fetched before
 * may do (for what cannot change: identity, PCI, versions). */
nvmlReturn_t nvml_device_status(nvmlDevice_t device, int fresh, nvml_status *status);
/* The same by device number. */
nvmlReturn_t nvml_index_status(unsigned int index, int fresh, nvml_status *status);
/* The handle's device number, or -1 when it is not one of this library's handles. */
int nvml_device_index(nvmlDevice_t device);
/* One reading of a fresh status: its value in *value, or what the server's NVML answered for it. */
nvmlReturn_t nvml_reading(nvmlDevice_t device, int reading, int fresh, uint64_t *value);
/* NVML's UUID text of the 16 driver bytes ("GPU-" then 8-4-4-4-12 hex digits); out holds at least 41 bytes. */
void nvml_format_uuid(const uint8_t uuid[16], char *out);
/* Copies text into a caller's buffer of length bytes: NVML_ERROR_INSUFFICIENT_SIZE when it does not fit with its NUL. */
nvmlReturn_t nvml_copy_text(const char *text, char *buffer, unsigned int length);

/* Logging (nvml_log.c): level from ORION_LOG_LEVEL; lines go to stderr prefixed "orion: ". */
enum nvml_log_level { NVML_LOG_NONE, NVML_LOG_ERROR, NVML_LOG_WARN, NVML_LOG_INFO, NVML_LOG_DEBUG };
void nvml_log(enum nvml_log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* NVML_ERROR_NOT_SUPPORTED, logging name once per process (*logged remembers). */
nvmlReturn_t nvml_not_supported(const char *name, int *logged);
#define NVML_NOT_SUPPORTED(what)                                                                                   \
    do {                                                                                                           \
        static int logged_;                                                                                        \
        return nvml_not_supported(what, &logged_);                                                                 \
    } while (0)

#endif
