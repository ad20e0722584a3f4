/*
 * Texture and surface objects. The server creates them on the real device and answers with the
 * device's own 64-bit value, which is what a kernel must receive (by value, in its packed parameters),
 * so the application gets that value unchanged. Each object's descriptors are kept here, by device and
 * value, to answer cuTexObjectGetResourceDesc and its kin and to destroy it on its own device.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "driver_arrays.h"

typedef struct object_record {
    int device;
    int surface; /* a surface object (else a texture object): the two are numbered apart */
    unsigned long long value;
    CUDA_RESOURCE_DESC resource; /* as the application gave it */
    CUDA_TEXTURE_DESC texture;   /* texture objects only */
    struct object_record *next;
} object_record;

static pthread_mutex_t objects_lock = PTHREAD_MUTEX_INITIALIZER;
static object_record *objects;

/* The record of value on the current device, else on any device (a program may destroy an object
 * while another device is current); NULL when none. Called with objects_lock held. */
static object_record *find_object(int surface, unsigned long long value, int current_device)
{
    object_record *elsewhere = NULL;
    for (object_record *record = objects; record != NULL; record = record->next) {
        if (record->surface != surface || record->value != value)
            continue;
        if (record->device == current_device)
            return record;
        elsewhere = elsewhere != NULL ? elsewhere : record;
    }
    return elsewhere;
}

static CUresult remember(int device, int surface, unsigned long long value, const CUDA_RESOURCE_DESC *resource,
                         const CUDA_TEXTURE_DESC *texture)
{
    object_record *record = calloc(1, sizeof *record);
    if (record == NULL)
        return CUDA_ERROR_OUT_OF_MEMORY;
    record->device = device;
    record->surface = surface;
    record->value = value;
    record->resource = *resource;
    if (texture != NULL)
        record->texture = *texture;
    pthread_mutex_lock(&objects_lock);
    record->next = objects;
    objects = record;
    pthread_mutex_unlock(&objects_lock);
    return CUDA_SUCCESS;
}

static void forget(object_record *gone)
{
    for (object_record **link = &objects; *link != NULL; link = &(*link)->next) {
        if (*link == gone) {
            *link = gone->next;
            free(gone);
            return;
        }
    }
}

void driver_texture_objects_forget_device(int device)
{
    pthread_mutex_lock(&objects_lock);
    for (object_record **link = &objects; *link != NULL;) {
        object_record *record = *link;
        if (record->device == device) {
            *link = record->next;
            free(record);
        } else {
            link = &record->next;
        }
    }
    pthread_mutex_unlock(&objects_lock);
}

/* A resource view given as all zeros asks for nothing: it is taken as no view. */
static int is_empty_view(const CUDA_RESOURCE_VIEW_DESC *view)
{
    static const CUDA_RESOURCE_VIEW_DESC none;
    return view == NULL || memcmp(view, &none, sizeof none) == 0;
}

/* The array a resource names, live and on device. */
static CUresult resource_array(const CUDA_RESOURCE_DESC *resource, int device, struct driver_array **array)
{
    *array = driver_live_array(resource->res.array.hArray);
    if (*array == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    return (*array)->device == device ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

DRIVER_API CUresult cuTexObjectCreate(CUtexObject *texture_object, const CUDA_RESOURCE_DESC *resource,
                                      const CUDA_TEXTURE_DESC *texture, const CUDA_RESOURCE_VIEW_DESC *view)
{
    int device;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    if (texture_object == NULL || resource == NULL || texture == NULL || resource->flags != 0)
        return CUDA_ERROR_INVALID_VALUE;
    if (!is_empty_view(view))
        DRIVER_NOT_SUPPORTED("cuTexObjectCreate with a resource view");
    uint64_t handle = 0, width = 0, height = 0, pitch = 0;
    int format = 0;
    unsigned int channels = 0;
    struct driver_array *array;
    switch (resource->resType) {
    case CU_RESOURCE_TYPE_ARRAY:
        result = resource_array(resource, device, &array);
        if (result != CUDA_SUCCESS)
            return result;
        handle = array->remote;
        break;
    case CU_RESOURCE_TYPE_LINEAR:
        handle = resource->res.linear.devPtr;
        format = resource->res.linear.format;
        channels = resource->res.linear.numChannels;
        width = resource->res.linear.sizeInBytes;
        break;
    case CU_RESOURCE_TYPE_PITCH2D:
        handle = resource->res.pitch2D.devPtr;
        format = resource->res.pitch2D.format;
        channels = resource->res.pitch2D.numChannels;
        width = resource->res.pitch2D.width;
        height = resource->res.pitch2D.height;
        pitch = resource->res.pitch2D.pitchInBytes;
        break;
    case CU_RESOURCE_TYPE_MIPMAPPED_ARRAY:
        DRIVER_NOT_SUPPORTED("a texture object over a mipmapped array");
    default:
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (resource->resType != CU_RESOURCE_TYPE_ARRAY && driver_element_bytes(format, channels) == 0) {
        if (channels != 1 && channels != 2 && channels != 4)
            return CUDA_ERROR_INVALID_VALUE;
        DRIVER_NOT_SUPPORTED("a texture object of a format other than the eight classic ones");
    }
    uint32_t modes[7] = {(uint32_t)texture->addressMode[0], (uint32_t)texture->addressMode[1],
                         (uint32_t)texture->addressMode[2], (uint32_t)texture->filterMode, texture->flags,
                         texture->maxAnisotropy, (uint32_t)texture->mipmapFilterMode};
    float levels[7] = {texture->mipmapLevelBias, texture->minMipmapLevelClamp, texture->maxMipmapLevelClamp,
                       texture->borderColor[0], texture->borderColor[1], texture->borderColor[2],
                       texture->borderColor[3]};
    uint64_t value = 0;
    result = driver_result(driver_client.orion_texture_object_create(device, resource->resType, handle, format,
                                                                     (int32_t)channels, width, height, pitch, modes,
                                                                     levels, &value));
    if (result == CUDA_SUCCESS)
        result = remember(device, 0, value, resource, texture);
    if (result == CUDA_SUCCESS)
        *texture_object = value;
    else if (value != 0)
        driver_client.orion_texture_object_destroy(device, value);
    return result;
}

DRIVER_API CUresult cuSurfObjectCreate(CUsurfObject *surface_object, const CUDA_RESOURCE_DESC *resource)
{
    int device;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    if (surface_object == NULL || resource == NULL || resource->flags != 0 || resource->resType != CU_RESOURCE_TYPE_ARRAY)
        return CUDA_ERROR_INVALID_VALUE;
    struct driver_array *array;
    result = resource_array(resource, device, &array);
    uint64_t value = 0;
    if (result == CUDA_SUCCESS)
        result = driver_result(driver_client.orion_surface_object_create(device, array->remote, &value));
    if (result == CUDA_SUCCESS)
        result = remember(device, 1, value, resource, NULL);
    if (result == CUDA_SUCCESS)
        *surface_object = value;
    else if (value != 0)
        driver_client.orion_surface_object_destroy(device, value);
    return result;
}

/* Destroys a texture or surface object on the device that made it. */
static CUresult destroy_object(int surface, unsigned long long value)
{
    int device;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&objects_lock);
    object_record *record = find_object(surface, value, device);
    int owner = record != NULL ? record->device : -1;
    pthread_mutex_unlock(&objects_lock);
    if (owner < 0)
        return CUDA_ERROR_INVALID_VALUE;
    result = driver_result(surface ? driver_client.orion_surface_object_destroy(owner, value)
                                   : driver_client.orion_texture_object_destroy(owner, value));
    if (result == CUDA_SUCCESS) {
        pthread_mutex_lock(&objects_lock);
        record = find_object(surface, value, owner);
        if (record != NULL && record->device == owner)
            forget(record);
        pthread_mutex_unlock(&objects_lock);
    }
    return result;
}

DRIVER_API CUresult cuTexObjectDestroy(CUtexObject texture_object) { return destroy_object(0, texture_object); }
DRIVER_API CUresult cuSurfObjectDestroy(CUsurfObject surface_object) { return destroy_object(1, surface_object); }

/* Copies what was kept of an object: its resource, or (texture) its sampling. */
static CUresult describe_object(int surface, unsigned long long value, CUDA_RESOURCE_DESC *resource,
                                CUDA_TEXTURE_DESC *texture)
{
    int device;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    if (resource == NULL && texture == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    pthread_mutex_lock(&objects_lock);
    object_record *record = find_object(surface, value, device);
    if (record != NULL && resource != NULL)
        *resource = record->resource;
    if (record != NULL && texture != NULL)
        *texture = record->texture;
    pthread_mutex_unlock(&objects_lock);
    return record != NULL ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

DRIVER_API CUresult cuTexObjectGetResourceDesc(CUDA_RESOURCE_DESC *resource, CUtexObject texture_object)
{
    return resource == NULL ? CUDA_ERROR_INVALID_VALUE : describe_object(0, texture_object, resource, NULL);
}

DRIVER_API CUresult cuTexObjectGetTextureDesc(CUDA_TEXTURE_DESC *texture, CUtexObject texture_object)
{
    return texture == NULL ? CUDA_ERROR_INVALID_VALUE : describe_object(0, texture_object, NULL, texture);
}

DRIVER_API CUresult cuSurfObjectGetResourceDesc(CUDA_RESOURCE_DESC *resource, CUsurfObject surface_object)
{
    return resource == NULL ? CUDA_ERROR_INVALID_VALUE : describe_object(1, surface_object, resource, NULL);
}

DRIVER_API CUresult cuDeviceGetTexture1DLinearMaxWidth(size_t *width, int format, unsigned int channels, CUdevice device)
{
    if (width == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_check_device(device);
    if (result != CUDA_SUCCESS)
        return result;
    if (driver_element_bytes(format, channels) == 0) {
        if (channels != 1 && channels != 2 && channels != 4)
            return CUDA_ERROR_INVALID_VALUE;
        DRIVER_NOT_SUPPORTED("cuDeviceGetTexture1DLinearMaxWidth of a format other than the eight classic ones");
    }
    uint64_t elements = 0;
    result = driver_result(driver_client.orion_texture_1d_linear_max_width(device, format, (int32_t)channels, &elements));
    if (result == CUDA_SUCCESS)
        *width = elements;
    return result;
}
