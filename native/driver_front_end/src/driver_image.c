/*
 * The size of a module image. cuModuleLoadData and cuLibraryLoadData take a bare pointer, and
 * the image must cross the network whole, so its length is read from its own headers: a fat
 * binary's header, a cubin's ELF tables, or PTX text up to its NUL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver_image.h"

#define FATBIN_MAGIC 0xBA55ED50u
#define MAX_IMAGE_BYTES (1ull << 30) /* the client ABI's limit (orion_client.h) */
#define FATBIN_WRAPPER_MAGIC 0x466243B1u /* __fatBinC_Wrapper_t, which cuModuleLoadFatBinary may get */
#define ELF_NOBITS 8

static uint16_t read16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t read32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t read64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* The extent of a cubin from its tables; 0 when they point past the size limit (a malformed image
 * is refused before anything is read from where its headers point). */
static uint64_t elf_size(const unsigned char *elf)
{
    uint64_t program_table = read64(elf + 0x20), section_table = read64(elf + 0x28);
    uint16_t program_entry = read16(elf + 0x36), program_count = read16(elf + 0x38);
    uint16_t section_entry = read16(elf + 0x3A), section_count = read16(elf + 0x3C);
    if (program_table > MAX_IMAGE_BYTES || section_table > MAX_IMAGE_BYTES ||
        (section_count > 0 && section_entry != 0x40))
        return 0;
    uint64_t end = max64(64, program_table + (uint64_t)program_entry * program_count);
    end = max64(end, section_table + (uint64_t)section_entry * section_count);
    if (end > MAX_IMAGE_BYTES)
        return 0;
    for (uint16_t i = 0; i < section_count; i++) {
        const unsigned char *section = elf + section_table + (uint64_t)i * section_entry;
        uint64_t offset = read64(section + 0x18), size = read64(section + 0x20);
        if (read32(section + 4) == ELF_NOBITS)
            continue;
        if (offset > MAX_IMAGE_BYTES || size > MAX_IMAGE_BYTES - offset)
            return 0;
        end = max64(end, offset + size);
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
        uint64_t payload = read64(bytes + 8);
        if (payload > MAX_IMAGE_BYTES)
            return NULL;
        *size = read16(bytes + 6) + payload;
        return image;
    }
    if (bytes[0] == 0x7F && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
        if (bytes[4] != 2) /* cubins are ELF64 */
            return NULL;
        *size = elf_size(bytes);
        return *size != 0 ? image : NULL;
    }
    *size = strnlen((const char *)bytes, MAX_IMAGE_BYTES) + 1;
    return *size <= MAX_IMAGE_BYTES ? image : NULL;
}

/* A module file read whole into memory, one byte more than its size and that byte NUL, so that a
 * PTX file reads as the string cuModuleLoadData expects. The size is checked before anything is
 * allocated. */
int driver_image_read_file(const char *path, void **image, uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ENOTDIR ? DRIVER_IMAGE_FILE_NOT_FOUND : DRIVER_IMAGE_FILE_UNREADABLE;
    struct stat info;
    if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) || info.st_size <= 0 || (uint64_t)info.st_size > MAX_IMAGE_BYTES) {
        close(fd);
        return DRIVER_IMAGE_FILE_UNREADABLE;
    }
    uint64_t length = (uint64_t)info.st_size;
    unsigned char *bytes = malloc(length + 1);
    if (bytes == NULL) {
        close(fd);
        return DRIVER_IMAGE_FILE_NO_MEMORY;
    }
    uint64_t done = 0;
    while (done < length) {
        ssize_t got = read(fd, bytes + done, length - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        done += (uint64_t)got;
    }
    close(fd);
    if (done != length) {
        free(bytes);
        return DRIVER_IMAGE_FILE_UNREADABLE;
    }
    bytes[length] = 0;
    *image = bytes;
    *size = length;
    return DRIVER_IMAGE_FILE_READ;
}
