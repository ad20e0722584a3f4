#include "driver_internal.h"
CUresult driver_export_table(const void **table, const CUuuid *id)
{
    *table = NULL;
    DRIVER_NOT_SUPPORTED("cuGetExportTable");
}
