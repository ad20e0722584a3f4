#ifndef ORION_DRIVER_IMAGE_H
#define ORION_DRIVER_IMAGE_H
#include <stdint.h>
/* The module image to send for image (a fat binary, its wrapper, a cubin or PTX) and its size
 * in bytes; NULL when the image is not one of those. */
const void *driver_image_extent(const void *image, uint64_t *size);

enum driver_image_file {
    DRIVER_IMAGE_FILE_READ,
    DRIVER_IMAGE_FILE_NOT_FOUND,
    DRIVER_IMAGE_FILE_UNREADABLE, /* not a regular file, empty, too large (the client ABI's limit) or a read failed */
    DRIVER_IMAGE_FILE_NO_MEMORY,
};
/* Reads the module file at path into *image (malloc'ed, NUL-terminated; the caller frees it). */
int driver_image_read_file(const char *path, void **image, uint64_t *size);
#endif
