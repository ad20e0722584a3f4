#ifndef ORION_DRIVER_IMAGE_H
#define ORION_DRIVER_IMAGE_H
#include <stdint.h>
/* The module image to send for image (a fat binary, its wrapper, a cubin or PTX) and its size
 * in bytes; NULL when the image is not one of those. */
const void *driver_image_extent(const void *image, uint64_t *size);
#endif
