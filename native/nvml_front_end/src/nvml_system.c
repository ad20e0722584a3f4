/*
 * System queries: the driver's and NVML's versions are the server's (the first device's server), and so is the
 * CUDA version; process names are this host's, since the processes NVML lists here are (nvml_processes.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "nvml_internal.h"

static nvmlReturn_t version_text(int offset, int reading, char *version, unsigned int length)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    if (version == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    nvml_status status;
    if ((result = nvml_index_status(0, 0, &status)) != NVML_SUCCESS)
        return result;
    if (status.statuses[reading] != NVML_SUCCESS)
        return (nvmlReturn_t)status.statuses[reading];
    return nvml_copy_text(status.texts + offset, version, length);
}

NVML_API nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length)
{
    return version_text(ORION_NVML_TEXT_DRIVER_VERSION, ORION_NVML_DRIVER_VERSION, version, length);
}

NVML_API nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length)
{
    return version_text(ORION_NVML_TEXT_NVML_VERSION, ORION_NVML_NVML_VERSION, version, length);
}

/* The CUDA version the server's driver implements (e.g. 13000); the client's own answer when the server's
 * NVML cannot tell. */
static nvmlReturn_t cuda_version(int *cudaDriverVersion)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    if (cudaDriverVersion == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    nvml_status status;
    if ((result = nvml_index_status(0, 0, &status)) != NVML_SUCCESS)
        return result;
    if (status.statuses[ORION_NVML_CUDA_DRIVER_VERSION] == NVML_SUCCESS) {
        *cudaDriverVersion = (int)status.values[ORION_NVML_CUDA_DRIVER_VERSION];
        return NVML_SUCCESS;
    }
    int32_t version = 0;
    result = nvml_result(nvml_client.orion_driver_version(&version));
    if (result == NVML_SUCCESS)
        *cudaDriverVersion = version;
    return result;
}

NVML_API nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *cudaDriverVersion) { return cuda_version(cudaDriverVersion); }

NVML_API nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *cudaDriverVersion)
{
    return cuda_version(cudaDriverVersion);
}

/* The process's name as NVML gives it: its command's first word (the path it was started by), else its
 * kernel name; cut to length. */
NVML_API nvmlReturn_t nvmlSystemGetProcessName(unsigned int pid, char *name, unsigned int length)
{
    nvmlReturn_t result = nvml_begin();
    if (result != NVML_SUCCESS)
        return result;
    if (name == NULL || length == 0)
        return NVML_ERROR_INVALID_ARGUMENT;
    char path[64], text[4096];
    size_t read = 0;
    const char *files[] = {"cmdline", "comm"};
    for (int i = 0; i < 2 && read == 0; i++) {
        snprintf(path, sizeof path, "/proc/%u/%s", pid, files[i]);
        FILE *file = fopen(path, "re");
        if (file == NULL)
            return errno == EACCES ? NVML_ERROR_NO_PERMISSION : NVML_ERROR_NOT_FOUND;
        read = fread(text, 1, sizeof text - 1, file);
        fclose(file);
        text[read] = '\0';
        text[strcspn(text, "\n")] = '\0'; /* comm ends with a newline; cmdline's first word ends at its NUL */
        read = strlen(text);
    }
    snprintf(name, length, "%s", text);
    return NVML_SUCCESS;
}
