/* Prints the shape of private tables of NVIDIA's driver (GPU host): slot 0 and, per slot, whether it points into
 * libcuda. usage: table_shape UUID-HEX... (32 hex digits each). Built with gcc -ldl; no NVIDIA header needed. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    void *d = dlopen("/usr/local/nvidia/lib64/libcuda.so.1", RTLD_NOW);
    int (*init)(unsigned) = dlsym(d, "cuInit");
    int (*get)(const void **, const unsigned char *) = dlsym(d, "cuGetExportTable");
    printf("init %d\n", init(0));
    for (int t = 1; t < argc; t++) {
        unsigned char id[16];
        for (int i = 0; i < 16; i++) sscanf(argv[t] + 2 * i, "%2hhx", &id[i]);
        const void **table = NULL;
        int r = get((const void **)&table, id);
        printf("table %s -> %d head %p\n", argv[t], r, table ? table[0] : NULL);
        if (r || !table) continue;
        Dl_info self, info;
        dladdr((void *)init, &self);
        for (int s = 0; s < 128; s++) {
            int code = dladdr(table[s], &info) && info.dli_fbase == self.dli_fbase;
            printf("  slot %d %p %s\n", s, table[s], code ? "code" : "other");
            if (!code && s > 0) break;
        }
    }
    return 0;
}
