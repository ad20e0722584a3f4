/*
 * What every C test program of the driver front end shares: counted checks that report the failing line,
 * and the smallest fat binary the mock client and the emulated device accept (its 16-byte header and one
 * empty entry; the emulated device resolves kernels by name).
 */
#ifndef ORION_DRIVER_TEST_CHECK_H
#define ORION_DRIVER_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>

static int failures, checks;
#define EXPECT(condition)                                                                                          \
    do {                                                                                                           \
        checks++;                                                                                                  \
        if (!(condition)) {                                                                                        \
            failures++;                                                                                            \
            fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #condition);                                           \
        }                                                                                                          \
    } while (0)
#define EXPECT_OK(call) EXPECT((call) == CUDA_SUCCESS)

static const uint32_t fatbin[] = {0xBA55ED50u, 0x00100001u, 16, 0, 0x00000001u, 16, 0, 0};

#endif
