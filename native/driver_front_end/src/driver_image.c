/*
 * The size of a module image. cuModuleLoadData and cuLibraryLoadData take a bare pointer, and
 * the image must cross the network whole, so its length is read from its own headers: a fat
 * binary's header, a cubin's ELF tables, or PTX text up to its NUL.
 */
#include <string.h>

#include "driver_image.h"

#define FATBIN_MAGIC 0xBA55ED50u
#define FATBIN_WRAPPER_MAGIC 0x466243B1u /* __fatBinC_Wrapper_t, which cuModuleLoadFatBinary may get */
#define ELF_NOBITS 8

static uint16_t read16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t read32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t read64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static uint64_t elf_size(const unsigned char *elf)
{
    uint64_t program_table = read64(elf + 0x20), section_table = read64(elf + 0x28);
    uint16_t program_entry = read16(elf + 0x36), program_count = read16(elf + 0x38);
    uint16_t section_entry = read16(elf + 0x3A), section_count = read16(elf + 0x3C);
    uint64_t end = max64(64, program_table + (uint64_t)program_entry * program_count);
    end = max64(end, section_table + (uint64_t)section_entry * section_count);
    for (uint16_t i = 0; i < section_count && section_entry >= 0x40; i++) {
        const unsigned char *section = elf + section_table + (uint64_t)i * section_entry;
        if (read32(section + 4) != ELF_NOBITS)
            end = max64(end, read64(section + 0x18) + read64(section + 0x20));
    }
    return end;
}

const void *driver_image_extent(const void *image, uint64_t *size)
{
    const unsigned char *bytes = image;
    *size = 0;
    if (bytes == NULL)
        return NULL;
    uint32_t magic = read32(bytes);
    if (magic == FATBIN_WRAPPER_MAGIC) {
        const void *data;
        memcpy(&data, bytes + 8, sizeof data);
        return data == NULL || read32(data) != FATBIN_MAGIC ? NULL : driver_image_extent(data, size);
    }
    if (magic == FATBIN_MAGIC) {
        *size = read16(bytes + 6) + read64(bytes + 8);
        return image;
    }
    if (bytes[0] == 0x7F && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
        if (bytes[4] != 2) /* cubins are ELF64 */
            return NULL;
        *size = elf_size(bytes);
        return image;
    }
    *size = strlen((const char *)bytes) + 1;
    return image;
}
