/* cuGetProcAddress (both generations) and cuGetExportTable, the runtime's ways into the driver. */
#include "driver_internal.h"
#include "driver_proc_address.h"

DRIVER_API CUresult cuGetProcAddress_v2(const char *symbol, void **function, int version, uint64_t flags, int *status)
{
    int local_status = 0;
    if (symbol == NULL || function == NULL ||
        (flags & ~(uint64_t)(CU_GET_PROC_ADDRESS_LEGACY_STREAM | CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM)) != 0)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_proc_lookup(symbol, version, flags, function, status != NULL ? status : &local_status);
    if (result == CUDA_SUCCESS && *function == NULL)
        driver_log(DRIVER_LOG_DEBUG, "cuGetProcAddress: no %s for CUDA %d", symbol, version);
    return result;
}

DRIVER_API CUresult cuGetProcAddress(const char *symbol, void **function, int version, uint64_t flags)
{
    return cuGetProcAddress_v2(symbol, function, version, flags, NULL);
}

DRIVER_API CUresult cuGetExportTable(const void **table, const CUuuid *id)
{
    if (table == NULL || id == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return driver_export_table(table, id);
}
