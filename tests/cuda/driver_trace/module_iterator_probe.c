/*
 * Experiment on the GPU host (NVIDIA's driver): what slot 7 of the private table 6e163fbe-... does. cuFFT
 * calls it while planning, with what looks like (something, a module, a callback, the callback's data).
 * This loads a fat binary with known kernels, calls the slot with several first arguments, each in a
 * child process (a wrong guess may crash), and prints every argument the callback receives next to the
 * module's functions as cuModuleGetFunction gives them. usage: module_iterator_probe KERNELS.fatbin
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int (*fn_t)();
static void *driver;
#define F(name) ((fn_t)dlsym(driver, name))

static void callback(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e, uint64_t f)
{
    const char *name = NULL;
    int r = F("cuFuncGetName")(&name, (void *)b);
    printf("  callback(%llx, %llx, %llx, %llx, %llx, %llx) cuFuncGetName(arg2) -> %d %s\n", (unsigned long long)a,
           (unsigned long long)b, (unsigned long long)c, (unsigned long long)d, (unsigned long long)e,
           (unsigned long long)f, r, r == 0 && name ? name : "-");
    r = F("cuFuncGetName")(&name, (void *)a);
    printf("    cuFuncGetName(arg1) -> %d %s\n", r, r == 0 && name ? name : "-");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    driver = dlopen("/usr/local/nvidia/lib64/libcuda.so.1", RTLD_NOW);
    FILE *file = fopen(argv[1], "rb");
    static char image[1 << 22];
    size_t size = fread(image, 1, sizeof image, file);
    fclose(file);
    void *context = NULL, *module = NULL, *functions[3] = {0};
    printf("init %d\n", F("cuInit")(0));
    int device = 0;
    F("cuDeviceGet")(&device, 0);
    printf("retain %d\n", F("cuDevicePrimaryCtxRetain")(&context, device));
    F("cuCtxSetCurrent")(context);
    printf("load %d (%zu bytes)\n", F("cuModuleLoadData")(&module, image), size);
    const char *names[3] = {"scale_add", "count_calls", "add_to_total"};
    for (int i = 0; i < 3; i++)
        printf("function %s = %p (%d)\n", names[i], functions[i], F("cuModuleGetFunction")(&functions[i], module, names[i]));
    unsigned int count = 0;
    int (*count_fn)(unsigned int *, void *) = dlsym(driver, "cuModuleGetFunctionCount");
    if (count_fn)
        printf("cuModuleGetFunctionCount %d -> %u\n", count_fn(&count, module), count);
    static const unsigned char uuid[16] = {0x6e, 0x16, 0x3f, 0xbe, 0xb9, 0x58, 0x44, 0x4d,
                                           0x83, 0x5c, 0xe1, 0x82, 0xaf, 0xf1, 0x99, 0x1e};
    void **table = NULL;
    printf("table %d size %p\n", F("cuGetExportTable")(&table, uuid), table ? table[0] : NULL);
    fflush(stdout);
    static uint64_t zeroed[64];
    uint64_t firsts[] = {0, (uint64_t)(uintptr_t)context, (uint64_t)(uintptr_t)module, (uint64_t)(uintptr_t)zeroed};
    const char *labels[] = {"NULL", "context", "module", "a zeroed buffer"};
    for (int i = 0; i < 4; i++) {
        printf("slot 7 (first = %s, second = module, callback, data 0x1234):\n", labels[i]);
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            uint64_t r = ((uint64_t(*)(uint64_t, uint64_t, void *, uint64_t))table[7])(
                firsts[i], (uint64_t)(uintptr_t)module, (void *)callback, 0x1234);
            printf("  -> %llx\n", (unsigned long long)r);
            fflush(stdout);
            _exit(0);
        }
        int status = 0;
        waitpid(child, &status, 0);
        printf("  child status %d\n", status);
    }
    /* The same with the module first, as in (module, callback, data). */
    printf("slot 7 (module, callback, data):\n");
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        uint64_t r = ((uint64_t(*)(void *, void *, uint64_t))table[7])(module, (void *)callback, 0x1234);
        printf("  -> %llx\n", (unsigned long long)r);
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("  child status %d\n", status);
    return 0;
}
