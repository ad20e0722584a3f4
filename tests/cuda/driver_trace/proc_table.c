/*
 * proc_table: asks NVIDIA's driver, for every entry-point name, which exported implementation
 * cuGetProcAddress_v2 hands out for each CUDA version and each stream flag, and prints the
 * versions at which the answer changes:  <name> <flags> <from version> <export name | ->status>
 * Orion's driver front end builds its own cuGetProcAddress table from this output.
 * usage: proc_table REAL_LIBCUDA EXPORTS VERSIONS   (VERSIONS: one CUDA version number a line)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMES 1024
#define MAX_VERSIONS 256

static char names[MAX_NAMES][96];
static void *addresses[MAX_NAMES];
static int name_count;

static int base_of(const char *name, char *base)
{
    strcpy(base, name);
    char *cut;
    if ((cut = strstr(base, "_ptds")) || (cut = strstr(base, "_ptsz")))
        *cut = 0;
    size_t n = strlen(base);
    if (n > 3 && base[n - 3] == '_' && base[n - 2] == 'v' && base[n - 1] >= '2' && base[n - 1] <= '9')
        base[n - 3] = 0;
    return 1;
}

int main(int argc, char **argv)
{
    void *driver = dlopen(argv[1], RTLD_NOW);
    if (!driver) {
        fprintf(stderr, "%s\n", dlerror());
        return 1;
    }
    int (*init)(unsigned) = dlsym(driver, "cuInit");
    int (*get)(const char *, void **, int, uint64_t, int *) = dlsym(driver, "cuGetProcAddress_v2");
    init(0);
    FILE *list = fopen(argv[2], "r");
    char line[128];
    while (fgets(line, sizeof line, list) && name_count < MAX_NAMES) {
        line[strcspn(line, "\n")] = 0;
        if (strncmp(line, "cudbg", 5) == 0 || !*line)
            continue;
        strcpy(names[name_count], line);
        addresses[name_count++] = dlsym(driver, line);
    }
    fclose(list);
    int versions[MAX_VERSIONS], version_count = 0;
    list = fopen(argv[3], "r");
    while (fgets(line, sizeof line, list) && version_count < MAX_VERSIONS)
        versions[version_count++] = atoi(line);
    fclose(list);
    static char done[MAX_NAMES][96];
    int done_count = 0;
    for (int i = 0; i < name_count; i++) {
        char base[96];
        base_of(names[i], base);
        int seen = 0;
        for (int d = 0; d < done_count && !seen; d++)
            seen = strcmp(done[d], base) == 0;
        if (seen)
            continue;
        strcpy(done[done_count++], base);
        for (uint64_t flags = 1; flags <= 2; flags++) {
            char previous[96] = "";
            for (int v = 0; v < version_count; v++) {
                void *fn = NULL;
                int status = -1;
                int result = get(base, &fn, versions[v], flags, &status);
                char answer[96];
                snprintf(answer, sizeof answer, "->%d/%d", result, status);
                for (int k = 0; k < name_count && result == 0; k++)
                    if (addresses[k] == fn) {
                        snprintf(answer, sizeof answer, "%s", names[k]);
                        break;
                    }
                if (result == 0 && answer[0] == '-')
                    snprintf(answer, sizeof answer, fn == NULL ? "(null)/%d" : "(unexported)/%d", status);
                if (strcmp(answer, previous) != 0) {
                    printf("%s %d %d %s\n", base, (int)flags, versions[v], answer);
                    strcpy(previous, answer);
                }
            }
        }
    }
    /* What an unknown name gets. */
    void *fn = (void *)1;
    int status = -1;
    int result = get("cuNoSuchFunction", &fn, 13000, 1, &status);
    printf("# unknown name: result %d status %d function %s\n", result, status, fn == NULL ? "NULL" : "set");
    return 0;
}
