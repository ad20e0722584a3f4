/* The checks of the NVML front end's C test programs: each prints what failed and counts it. */
#ifndef ORION_NVML_CHECK_H
#define ORION_NVML_CHECK_H

#include <stdio.h>

static int checks, failures;

#define CHECK(condition)                                                                                           \
    do {                                                                                                           \
        checks++;                                                                                                  \
        if (!(condition)) {                                                                                        \
            failures++;                                                                                            \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #condition);                                  \
        }                                                                                                          \
    } while (0)

/* An NVML call that must answer `expected`. */
#define EXPECT(expected, call)                                                                                     \
    do {                                                                                                           \
        nvmlReturn_t result_ = (call);                                                                             \
        checks++;                                                                                                  \
        if (result_ != (expected)) {                                                                               \
            failures++;                                                                                            \
            fprintf(stderr, "FAIL %s:%d: %s returned %d (%s), expected %d\n", __FILE__, __LINE__, #call,          \
                    (int)result_, nvmlErrorString(result_), (int)(expected));                                      \
        }                                                                                                          \
    } while (0)

#define OK(call) EXPECT(NVML_SUCCESS, call)

static int finish(void)
{
    if (failures > 0) {
        printf("FAIL %d of %d checks\n", failures, checks);
        return 1;
    }
    printf("PASS %d checks\n", checks);
    return 0;
}

#endif
