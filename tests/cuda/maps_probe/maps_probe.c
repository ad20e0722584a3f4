/*
 * Preloaded into a test program (LD_PRELOAD), it copies the process's /proc/self/maps into the file
 * named by ORION_MAPS_OUT when the process exits. The GPU suite uses it to show which libraries a
 * program mapped: NVIDIA's libcuda.so.1 natively, never through Orion (if it were mapped there, the
 * program might be measuring the local GPU). A preloaded library is finalized last, so every other
 * library is still mapped when this runs.
 */
#include <stdio.h>
#include <stdlib.h>

__attribute__((destructor)) static void orion_dump_maps(void)
{
    const char *path = getenv("ORION_MAPS_OUT");
    if (path == NULL || *path == '\0')
        return;
    FILE *maps = fopen("/proc/self/maps", "r");
    FILE *out = fopen(path, "w");
    if (maps != NULL && out != NULL) {
        char line[4096];
        while (fgets(line, sizeof line, maps) != NULL)
            fputs(line, out);
    }
    if (maps != NULL)
        fclose(maps);
    if (out != NULL)
        fclose(out);
}
