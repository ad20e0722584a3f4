#ifndef ORION_DRIVER_PROC_ADDRESS_H
#define ORION_DRIVER_PROC_ADDRESS_H
#include "cuda_driver_abi.h"
/* Kept apart from driver_internal.h: the generated table declares every export as void(void). */
int driver_proc_lookup(const char *symbol, int version, uint64_t flags, void **function, int *status);
/* The newest CUDA version the table serves. */
int driver_newest_version(void);
#endif
