/* Thread-local last error with CUDA's sticky-error rules, and the error-name table. */
#ifndef ORION_STUB_ERRORS_H
#define ORION_STUB_ERRORS_H

#include "cuda_errors.h"

typedef struct stub_error_entry {
    int value;
    const char *name;
    const char *description;
} stub_error_entry;

extern const stub_error_entry stub_error_table[];
extern const int stub_error_table_count;

/*
 * Records the outcome of an API call and returns it unchanged: a failure becomes the calling
 * thread's last error, and a sticky failure (the device context is corrupted, e.g. an illegal
 * address) is latched for the whole process so that every later call that needs the device
 * reports it, as CUDA does.
 */
cudaError_t stub_result(cudaError_t error);

/* The latched sticky error, or cudaSuccess. */
cudaError_t stub_sticky_error(void);

/* Forgets the sticky error (after a successful cudaDeviceReset). */
void stub_clear_sticky_error(void);

int stub_is_sticky(cudaError_t error);

/* Logs "name is not supported" once per name and returns stub_result(cudaErrorNotSupported). */
cudaError_t stub_not_supported(const char *name, int *logged_flag);

#endif
