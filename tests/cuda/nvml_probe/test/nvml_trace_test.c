/*
 * Drives nvml_trace over test/fake_nvml.c as nvidia-smi would drive NVIDIA's library (dlopen, dlsym) and
 * checks that every call arrives unchanged and answers what the fake answers.
 * usage: nvml_trace_test TRACER FAKE [deny]   (exit status 0: every check passed)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(condition)                                                                                               \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #condition);                                       \
            failures++;                                                                                                \
        }                                                                                                              \
    } while (0)

typedef long many_fn(long, long, long, long, long, long, long, long, double, double, double, double, double, double,
                     double, double, double);
static many_fn *field_values;

static long expected_many(long a, long b, long c, long d, long e, long f, long g, long h, double x0, double x1, double x2,
                          double x3, double x4, double x5, double x6, double x7, double x8)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h +
           (long)(1000 * x0 + 2000 * x1 + 3000 * x2 + 4000 * x3 + 5000 * x4 + 6000 * x5 + 7000 * x6 + 8000 * x7 + 9000 * x8);
}

static void *hammer(void *unused)
{
    (void)unused;
    for (int i = 0; i < 1000; i++)
        if (field_values(i, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9) !=
            expected_many(i, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9))
            return (void *)1;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    int deny = argc > 3 && strcmp(argv[3], "deny") == 0;
    void *nvml = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!nvml) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    void *fake = dlopen(argv[2], RTLD_NOW | RTLD_LOCAL);
    CHECK(fake != NULL);
    CHECK(dlsym(nvml, "nvmlInit_v2") != dlsym(fake, "nvmlInit_v2"));

    CHECK(((int (*)(void))dlsym(nvml, "nvmlInit_v2"))() == 0);
    char text[64];
    CHECK(((int (*)(char *, unsigned))dlsym(nvml, "nvmlSystemGetDriverVersion"))(text, sizeof text) == 0);
    CHECK(strcmp(text, "580.159.04") == 0);
    CHECK(((int (*)(char *, unsigned))dlsym(nvml, "nvmlSystemGetNVMLVersion"))(text, 4) == 7);
    int cuda = 0;
    CHECK(((int (*)(int *))dlsym(nvml, "nvmlSystemGetCudaDriverVersion_v2"))(&cuda) == 0 && cuda == 13000);
    CHECK(strcmp(((const char *(*)(int))dlsym(nvml, "nvmlErrorString"))(3), "Not Supported") == 0);
    /* Not in the fake: answered NVML_ERROR_UNKNOWN. */
    CHECK(((int (*)(void))dlsym(nvml, "nvmlDeviceGetEccMode"))() == 999);

    /* Stack arguments, vector registers, a double result, varargs. */
    field_values = (many_fn *)dlsym(nvml, "nvmlDeviceGetFieldValues");
    for (int i = 0; i < 5; i++)
        CHECK(field_values(1, 2, 3, 4, 5, 6, 7 + i, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9 + i) ==
              expected_many(1, 2, 3, 4, 5, 6, 7 + i, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9 + i));
    for (int i = 0; i < 5; i++)
        CHECK(((double (*)(double, int))dlsym(nvml, "nvmlDeviceGetPowerUsage"))(2.25, 4 + i) == 2.25 * (4 + i) + 0.5);
    double (*wait)(int, ...) = (double (*)(int, ...))dlsym(nvml, "nvmlEventSetWait");
    for (int i = 0; i < 5; i++)
        CHECK(wait(9, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0 + i) ==
              1 + 4 + 9 + 16 + 25 + 36 + 49 + 64 + (9.0 + i) * 9);

    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&threads[i], NULL, hammer, NULL);
    for (int i = 0; i < 4; i++) {
        void *result;
        pthread_join(threads[i], &result);
        CHECK(result == NULL);
    }

    /* The export table: a copy, its size field and data kept, its code wrapped and still working. */
    int (*get_table)(const void **, const unsigned char *) =
        (int (*)(const void **, const unsigned char *))dlsym(nvml, "nvmlInternalGetExportTable");
    const unsigned char uuid_a[16] = {0xa1, 0xa2, 0xa3, 0xa4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const unsigned char uuid_b[16] = {0xb1, 0xb2, 0xb3, 0xb4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const unsigned char uuid_c[16] = {0xc1};
    const void **a = NULL, **b = NULL, **c = NULL;
    const void **original_a = (const void **)dlsym(fake, "fake_table_a");
    const void **original_b = (const void **)dlsym(fake, "fake_table_b");
    if (deny) {
        CHECK(get_table((const void **)&a, uuid_a) == 3 && a == NULL);
    } else {
        CHECK(get_table((const void **)&a, uuid_a) == 0);
        CHECK(a != NULL && a != original_a);
        if (a && a != original_a) {
            CHECK(a[0] == (const void *)48);
            CHECK(a[1] != original_a[1] && a[2] != original_a[2] && a[3] != original_a[3]);
            CHECK(a[4] == original_a[4] && a[5] == (const void *)0x1234);
            for (int i = 0; i < 5; i++) {
                CHECK(((int (*)(int, int))a[1])(3, i) == 30 + i);
                CHECK(((many_fn *)a[2])(1, 2, 3, 4, 5, 6, 7, 8 + i, 1, 2, 3, 4, 5, 6, 7, 8, 9 - i) ==
                      expected_many(1, 2, 3, 4, 5, 6, 7, 8 + i, 1, 2, 3, 4, 5, 6, 7, 8, 9 - i));
            }
            unsigned version = 0;
            CHECK(((int (*)(unsigned *))a[3])(&version) == 0 && version == 0x580159);
        }
        const void **again = NULL;
        CHECK(get_table((const void **)&again, uuid_a) == 0 && again == a);
    }
    CHECK(get_table((const void **)&b, uuid_b) == 0 && b != NULL && b != original_b);
    if (b && b != original_b) {
        CHECK(((int (*)(void))b[0])() == 100 && ((int (*)(void))b[1])() == 101 && b[2] == NULL);
    }
    CHECK(get_table((const void **)&c, uuid_c) == 3 && c == NULL);
    printf("%s: %d failures\n", argv[0], failures);
    return failures != 0;
}
