/*
 * A stand-in for NVIDIA's libnvidia-ml.so.1 in nvml_trace's local test (make -C tests/cuda/nvml_probe test):
 * a few exports under NVML names (with signatures of its own: the tracer must forward any signature, stack
 * arguments, vector registers and varargs included), two export tables, and the originals for comparison.
 */
#include <stdarg.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT int nvmlInit_v2(void) { return 0; }
EXPORT int nvmlShutdown(void) { return 0; }

static int copy_text(char *to, unsigned length, const char *text)
{
    if (!to || strlen(text) + 1 > length)
        return 7; /* NVML_ERROR_INSUFFICIENT_SIZE */
    strcpy(to, text);
    return 0;
}
EXPORT int nvmlSystemGetDriverVersion(char *version, unsigned length) { return copy_text(version, length, "580.159.04"); }
EXPORT int nvmlSystemGetNVMLVersion(char *version, unsigned length) { return copy_text(version, length, "13.580.159.04"); }
EXPORT int nvmlSystemGetCudaDriverVersion_v2(int *version) { *version = 13000; return 0; }
EXPORT const char *nvmlErrorString(int result) { return result == 3 ? "Not Supported" : "fake"; }

/* Eight integers (two on the stack) and nine doubles (one on the stack). */
EXPORT long many(long a, long b, long c, long d, long e, long f, long g, long h, double x0, double x1, double x2,
                 double x3, double x4, double x5, double x6, double x7, double x8)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h +
           (long)(1000 * x0 + 2000 * x1 + 3000 * x2 + 4000 * x3 + 5000 * x4 + 6000 * x5 + 7000 * x6 + 8000 * x7 + 9000 * x8);
}
EXPORT long nvmlDeviceGetFieldValues(long a, long b, long c, long d, long e, long f, long g, long h, double x0,
                                     double x1, double x2, double x3, double x4, double x5, double x6, double x7, double x8)
{
    return many(a, b, c, d, e, f, g, h, x0, x1, x2, x3, x4, x5, x6, x7, x8);
}
/* A double result. */
EXPORT double nvmlDeviceGetPowerUsage(double x, int y) { return x * y + 0.5; }
/* Varargs: n doubles (al counts the vector registers used). */
EXPORT double nvmlEventSetWait(int n, ...)
{
    va_list args;
    va_start(args, n);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += va_arg(args, double) * (i + 1);
    va_end(args);
    return sum;
}

static int pair(int a, int b) { return a * 10 + b; }
static int get_version(unsigned *out) { *out = 0x580159; return 0; }
static int slot_b0(void) { return 100; }
static int slot_b1(void) { return 101; }
static struct { unsigned version; char text[12]; } table_data = {7, "fake data"};

/* Table A: its first field is its byte size (six fields). Table B: code from the first field on. */
EXPORT const void *fake_table_a[6] = {(const void *)48, (const void *)pair, (const void *)many, (const void *)get_version,
                                      (const void *)&table_data, (const void *)0x1234};
EXPORT const void *fake_table_b[3] = {(const void *)slot_b0, (const void *)slot_b1, 0};
static const unsigned char uuid_a[16] = {0xa1, 0xa2, 0xa3, 0xa4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const unsigned char uuid_b[16] = {0xb1, 0xb2, 0xb3, 0xb4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

EXPORT int nvmlInternalGetExportTable(const void **table, const unsigned char *uuid)
{
    if (memcmp(uuid, uuid_a, 16) == 0)
        *table = fake_table_a;
    else if (memcmp(uuid, uuid_b, 16) == 0)
        *table = fake_table_b;
    else
        return 3;
    return 0;
}
