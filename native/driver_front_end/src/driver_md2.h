#ifndef ORION_DRIVER_MD2_H
#define ORION_DRIVER_MD2_H
#include <stddef.h>
void driver_md2(const void *data, size_t length, unsigned char digest[16]);
/* HMAC-MD2 with a 16-byte key (MD2's block size, so the key is used as it is). */
void driver_hmac_md2(const unsigned char key[16], const void *message, size_t length, unsigned char digest[16]);
#endif
