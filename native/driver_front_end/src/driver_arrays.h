/* CUDA arrays (driver_arrays.c) and what the copies and texture objects of the other units need of them. */
#ifndef ORION_DRIVER_ARRAYS_H
#define ORION_DRIVER_ARRAYS_H

#include "driver_internal.h"

#define DRIVER_ARRAY_MAGIC 0x4f52494f4e415252ull /* "ORIONARR" */

/* The record behind a CUarray: the array's handle in its device's session and its shape. Kept (marked
 * dead) after cuArrayDestroy, as streams and events are, so that a stale CUarray is refused. */
struct driver_array {
    uint64_t magic;
    int device;
    uint64_t remote;
    CUDA_ARRAY3D_DESCRIPTOR descriptor;
};

/* The live record of array, or NULL for NULL, a destroyed array or a foreign pointer. */
struct driver_array *driver_live_array(CUarray array);

/* Bytes of one element of format with channels channels; 0 for a format Orion does not forward or a
 * channel count other than 1, 2 or 4. */
unsigned int driver_element_bytes(int format, unsigned int channels);

/* cuMemcpy2D and its variants when one side is a CUDA array (driver_memory.c hands them over). */
CUresult driver_copy_2d_with_array(const CUDA_MEMCPY2D *copy, CUstream stream, int per_thread, int async);

/* After a device reset: the device's arrays are gone on the server. */
void driver_arrays_forget_device(int device);
/* ... and its texture and surface objects (driver_textures.c). */
void driver_texture_objects_forget_device(int device);

#endif
