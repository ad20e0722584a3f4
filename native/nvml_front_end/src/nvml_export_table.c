/*
 * nvmlInternalGetExportTable: the private table NVIDIA's nvidia-smi asks NVML for before anything else. Without
 * it nvidia-smi prints "Mismatch in versions between nvidia-smi and NVML" and exits.
 *
 * What is known of the table comes from watching nvidia-smi 580.159.04 against NVIDIA's own library on the GPU
 * host (scripts/gpu-smi-probe.sh, docs/nvml.md): the table asked for by UUID c4fe3e6c-c98f-6c4e-a327-ee696e12f7c4
 * is 0x870 bytes, a size word followed by 269 entries, and `nvidia-smi`, `-L` and `-q` call five of them:
 *   entry 26            (format, "stdout", line, ...) for each output line; returns 0 (a log hook; nothing to do);
 *   entry 81            (device index, buffer, length): the device's PCI bus id as text ("0000:00:06.0"); returns 0;
 *   entries 213 to 215  (device, in/out count, buffer, flags): write a count of 0 and return 0 (with the real
 *                       library too, on an idle GPU: the lists nvidia-smi prints its process table from).
 * Every other entry NVIDIA's table fills answers NVML_ERROR_NOT_SUPPORTED and is logged once; those it leaves
 * empty stay empty. Any other table is refused with NVML_ERROR_NOT_SUPPORTED, as before.
 */
#include <stdio.h>
#include <string.h>

#include "nvml_internal.h"

#define TABLE_ENTRIES 270
#define TABLE_BYTES (TABLE_ENTRIES * sizeof(void *))

static const unsigned char smi_table_uuid[16] = {0xc4, 0xfe, 0x3e, 0x6c, 0xc9, 0x8f, 0x6c, 0x4e,
                                                 0xa3, 0x27, 0xee, 0x69, 0x6e, 0x12, 0xf7, 0xc4};

/* Entries NVIDIA's table leaves empty (observed, 580.159.04); the rest hold functions. */
static const unsigned short empty_entries[] = {1,   2,   24,  35,  42,  43,  57,  58,  60,  64,  65,  90,  104, 121,
                                               122, 139, 150, 157, 158, 159, 160, 161, 162, 163, 167, 170, 174, 176,
                                               177, 178, 187, 190, 191, 198, 201, 202, 207, 211, 216, 217, 226, 235,
                                               236, 240, 241, 242, 258, 259, 264, 265, 266};

static int output_line(void) { return NVML_SUCCESS; }

static nvmlReturn_t pci_bus_id_by_index(unsigned int index, char *buffer, unsigned int length)
{
    nvml_status status;
    nvmlReturn_t result = nvml_index_status(index, 0, &status);
    if (result != NVML_SUCCESS)
        return result;
    if (status.statuses[ORION_NVML_PCI_DOMAIN] != NVML_SUCCESS)
        return (nvmlReturn_t)status.statuses[ORION_NVML_PCI_DOMAIN];
    char text[32];
    snprintf(text, sizeof text, "%04x:%02x:%02x.0", (unsigned int)status.values[ORION_NVML_PCI_DOMAIN] & 0xffff,
             (unsigned int)status.values[ORION_NVML_PCI_BUS] & 0xff, (unsigned int)status.values[ORION_NVML_PCI_DEVICE] & 0xff);
    return nvml_copy_text(text, buffer, length);
}

static nvmlReturn_t empty_list(nvmlDevice_t device, unsigned int *count, void *buffer, unsigned int flags)
{
    (void)device;
    (void)buffer;
    (void)flags;
    if (count == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    *count = 0;
    return NVML_SUCCESS;
}

static nvmlReturn_t unsupported_entry(void) { NVML_NOT_SUPPORTED("an entry of NVML's private table (nvmlInternalGetExportTable)"); }

static void *smi_table[TABLE_ENTRIES];
static int smi_table_built;

static void build_smi_table(void)
{
    for (unsigned int i = 1; i < TABLE_ENTRIES; i++)
        smi_table[i] = (void *)unsupported_entry;
    for (size_t i = 0; i < sizeof empty_entries / sizeof empty_entries[0]; i++)
        smi_table[empty_entries[i]] = NULL;
    smi_table[0] = (void *)(uintptr_t)TABLE_BYTES;
    smi_table[26] = (void *)output_line;
    smi_table[81] = (void *)pci_bus_id_by_index;
    smi_table[213] = (void *)empty_list;
    smi_table[214] = (void *)empty_list;
    smi_table[215] = (void *)empty_list;
}

NVML_API nvmlReturn_t nvmlInternalGetExportTable(const void **table, const unsigned char *uuid)
{
    if (table == NULL || uuid == NULL)
        return NVML_ERROR_INVALID_ARGUMENT;
    if (memcmp(uuid, smi_table_uuid, sizeof smi_table_uuid) != 0) {
        *table = NULL;
        NVML_NOT_SUPPORTED("nvmlInternalGetExportTable (a table other than nvidia-smi's)");
    }
    /* Built once, before any thread can see it: nvidia-smi asks from its main thread after nvmlInit. */
    if (!__atomic_load_n(&smi_table_built, __ATOMIC_ACQUIRE)) {
        build_smi_table();
        __atomic_store_n(&smi_table_built, 1, __ATOMIC_RELEASE);
    }
    *table = smi_table;
    return NVML_SUCCESS;
}
