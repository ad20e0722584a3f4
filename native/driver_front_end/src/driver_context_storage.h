#ifndef ORION_DRIVER_CONTEXT_STORAGE_H
#define ORION_DRIVER_CONTEXT_STORAGE_H
#include "driver_internal.h"
typedef void (*driver_storage_destructor)(CUcontext context, void *key, void *value);
/* A NULL context means the calling thread's current one; a missing key is CUDA_ERROR_INVALID_HANDLE. */
CUresult driver_storage_put(CUcontext context, void *key, void *value, driver_storage_destructor destructor);
CUresult driver_storage_delete(CUcontext context, void *key);
CUresult driver_storage_get(void **value, CUcontext context, void *key);
/* Runs and drops every value stored for context (the context was reset). */
void driver_storage_release_context(CUcontext context);
#endif
