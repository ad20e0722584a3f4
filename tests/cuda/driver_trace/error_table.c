/*
 * error_table: prints what NVIDIA's driver answers to cuGetErrorName/cuGetErrorString for every
 * code it knows, one "value name | description" line each (the format of
 * native/cudart_stub/data/cuda13-errors.txt). usage: error_table REAL_LIBCUDA
 */
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    void *driver = dlopen(argc > 1 ? argv[1] : "libcuda.so.1", RTLD_NOW);
    if (!driver) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    int (*name_of)(int, const char **) = (int (*)(int, const char **))dlsym(driver, "cuGetErrorName");
    int (*text_of)(int, const char **) = (int (*)(int, const char **))dlsym(driver, "cuGetErrorString");
    for (int code = 0; code < 1100; code++) {
        const char *name = NULL, *text = NULL;
        if (name_of(code, &name) == 0 && text_of(code, &text) == 0 && name && text)
            printf("%d %s | %s\n", code, name, text);
    }
    return 0;
}
