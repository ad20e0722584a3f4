/*
 * Virtual memory management: cuMemGetAllocationGranularity, cuMemAddressReserve/Free, cuMemCreate/Release,
 * cuMemMap/Unmap, cuMemSetAccess/GetAccess, cuMemRetainAllocationHandle and
 * cuMemGetAllocationPropertiesFromHandle, as PyTorch's expandable segments and NCCL use them.
 *
 * Reservations, physical allocations and mappings are server objects of the session (of the device that was
 * current for the reservation, of the location's device for an allocation). A reservation's addresses are reserved
 * in this process too (unified addressing, driver_address_space.c), so that nothing of the program lands there; a
 * mapping is recorded in the range table (driver_ranges.c) as device memory, so that pointer lookups and unified
 * copies know mapped addresses. A copy into reserved but unmapped addresses goes to the server, which refuses it.
 *
 * A CUmemGenericAllocationHandle names a slot of this file's table and its generation, so a released handle is
 * refused rather than mistaken for a later one. A slot counts references (the creation and every retain) and
 * mappings, as the server does: with no reference left the handle is refused, with no mapping left either the slot
 * is free, and cuMemRetainAllocationHandle on a mapped address gives the same handle back.
 *
 * What a remote device cannot serve: memory in host locations, shareable handles other than a POSIX file
 * descriptor, compression and usage flags, and one device's memory mapped or made accessible for another are
 * refused with CUDA_ERROR_NOT_SUPPORTED. A request for a POSIX file descriptor handle (which PyTorch makes for
 * every expandable segment, to share it with other processes should it be asked to) is served without one, with a
 * warning: the allocation works, and only cuMemExportToShareableHandle, which Orion does not implement, would fail.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "driver_internal.h"

#define COLLISION_RETRIES 8
#define VMM_TABLE_LIMIT (1u << 22) /* slots, mappings or reservations: more than any program holds; bounds the tables */

enum { CU_MEM_HANDLE_TYPE_SUPPORTED_HERE = CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR };

typedef struct vmm_slot {
    uint32_t generation; /* odd while in use */
    int device;
    uint64_t remote; /* the session's handle */
    uint64_t size;
    int references;
    int mappings;
} vmm_slot;

typedef struct vmm_reservation {
    uint64_t base, size;
    int device;
    int reserved_here; /* the addresses are reserved in this process: give them back with it */
} vmm_reservation;

typedef struct vmm_mapping {
    uint64_t base, size;
    uint32_t slot;
} vmm_mapping;

/* One lock for all of it, held across the server's answer, so that the tables never disagree with the server. */
static pthread_mutex_t vmm_lock = PTHREAD_MUTEX_INITIALIZER;
static vmm_slot *slots;
static uint32_t slot_count, slot_capacity;
static vmm_reservation *reservations;
static size_t reservation_count, reservation_capacity;
static vmm_mapping *mappings; /* sorted by base */
static size_t mapping_count, mapping_capacity;

/* Grows *array to hold one more element; 0 when it cannot. */
static int grow(void **array, size_t *capacity, size_t count, size_t element)
{
    if (count < *capacity)
        return 1;
    size_t grown = *capacity == 0 ? 16 : *capacity * 2;
    void *bigger = grown <= VMM_TABLE_LIMIT ? realloc(*array, grown * element) : NULL;
    if (bigger == NULL)
        return 0;
    *array = bigger;
    *capacity = grown;
    return 1;
}

/* ---- allocation handles ---- */

static CUmemGenericAllocationHandle handle_of(uint32_t slot)
{
    return ((uint64_t)slots[slot].generation << 32) | (uint64_t)(slot + 1);
}

/* The slot a handle names, if it is in use; called with vmm_lock held. */
static vmm_slot *slot_of(CUmemGenericAllocationHandle handle, uint32_t *index)
{
    uint64_t low = handle & 0xffffffffu;
    if (low == 0 || low > slot_count)
        return NULL;
    vmm_slot *slot = &slots[low - 1];
    if ((slot->generation & 1) == 0 || slot->generation != (uint32_t)(handle >> 32))
        return NULL;
    if (index != NULL)
        *index = (uint32_t)(low - 1);
    return slot;
}

/* A handle the program may use: in use, with a reference left. */
static vmm_slot *live_slot(CUmemGenericAllocationHandle handle, uint32_t *index)
{
    vmm_slot *slot = slot_of(handle, index);
    return slot != NULL && slot->references > 0 ? slot : NULL;
}

static CUresult new_slot(uint32_t *index)
{
    for (uint32_t i = 0; i < slot_count; i++) {
        if ((slots[i].generation & 1) == 0) {
            slots[i].generation++;
            *index = i;
            return CUDA_SUCCESS;
        }
    }
    size_t capacity = slot_capacity;
    if (!grow((void **)&slots, &capacity, slot_count, sizeof *slots))
        return CUDA_ERROR_OUT_OF_MEMORY;
    slot_capacity = (uint32_t)capacity;
    slots[slot_count] = (vmm_slot){.generation = 1};
    *index = slot_count++;
    return CUDA_SUCCESS;
}

/* No reference and no mapping: the slot is free, and its handle refused from now on. */
static void free_slot_if_unused(uint32_t index)
{
    vmm_slot *slot = &slots[index];
    if (slot->references == 0 && slot->mappings == 0 && (slot->generation & 1) != 0)
        slot->generation++;
}

/* ---- reservations and mappings ---- */

/* The reservation that holds all of [address, address+size); called with vmm_lock held. */
static vmm_reservation *reservation_holding(uint64_t address, uint64_t size)
{
    for (size_t i = 0; i < reservation_count; i++) {
        vmm_reservation *r = &reservations[i];
        if (address >= r->base && address - r->base < r->size && size <= r->size - (address - r->base))
            return r;
    }
    return NULL;
}

int driver_vmm_reserved(uint64_t address)
{
    pthread_mutex_lock(&vmm_lock);
    int reserved = reservation_holding(address, 1) != NULL;
    pthread_mutex_unlock(&vmm_lock);
    return reserved;
}

/* Index of the first mapping whose base is greater than address. */
static size_t mapping_after(uint64_t address)
{
    size_t low = 0, high = mapping_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (mappings[middle].base <= address)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

static vmm_mapping *mapping_holding(uint64_t address)
{
    size_t at = mapping_after(address);
    if (at == 0 || address - mappings[at - 1].base >= mappings[at - 1].size)
        return NULL;
    return &mappings[at - 1];
}

/* Forgets the mapping at index (and its range); its allocation's slot may become free. */
static void forget_mapping(size_t index)
{
    vmm_mapping mapping = mappings[index];
    driver_ranges_remove(mapping.base, CU_MEMORYTYPE_DEVICE, NULL);
    memmove(&mappings[index], &mappings[index + 1], (mapping_count - index - 1) * sizeof *mappings);
    mapping_count--;
    slots[mapping.slot].mappings--;
    free_slot_if_unused(mapping.slot);
}

void driver_vmm_forget_device(int device)
{
    pthread_mutex_lock(&vmm_lock);
    size_t kept = 0;
    for (size_t i = 0; i < mapping_count; i++) {
        if (slots[mappings[i].slot].device == device)
            driver_ranges_remove(mappings[i].base, CU_MEMORYTYPE_DEVICE, NULL); /* already gone with the device's */
        else
            mappings[kept++] = mappings[i];
    }
    mapping_count = kept;
    for (uint32_t i = 0; i < slot_count; i++) {
        if ((slots[i].generation & 1) != 0 && slots[i].device == device) {
            slots[i].references = slots[i].mappings = 0;
            free_slot_if_unused(i);
        }
    }
    kept = 0;
    for (size_t i = 0; i < reservation_count; i++) {
        if (reservations[i].device != device)
            reservations[kept++] = reservations[i];
        else if (reservations[i].reserved_here)
            driver_release_device_range(reservations[i].base, reservations[i].size);
    }
    reservation_count = kept;
    pthread_mutex_unlock(&vmm_lock);
}

/* ---- properties ---- */

/*
 * What cuMemCreate and cuMemGetAllocationGranularity may ask for through Orion: pinned memory of a device, no
 * compression, no usage flags, and no shareable handle but a POSIX file descriptor, which is served without one.
 */
static CUresult check_properties(const CUmemAllocationProp *prop, const char *call, int *device)
{
    if (prop->type != CU_MEM_ALLOCATION_TYPE_PINNED)
        return CUDA_ERROR_INVALID_VALUE;
    if (prop->location.type != CU_MEM_LOCATION_TYPE_DEVICE) {
        driver_log(DRIVER_LOG_WARN, "%s: memory at a host location (type %d) is not supported through Orion", call,
                   prop->location.type);
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    CUresult result = driver_check_device(prop->location.id);
    if (result != CUDA_SUCCESS)
        return result;
    if ((prop->requestedHandleTypes & ~CU_MEM_HANDLE_TYPE_SUPPORTED_HERE) != 0) {
        driver_log(DRIVER_LOG_WARN,
                   "%s: shareable handle types 0x%x are not supported through Orion (they would name memory of the "
                   "server's process)",
                   call, (unsigned int)prop->requestedHandleTypes);
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    if (prop->allocFlags.compressionType != CU_MEM_ALLOCATION_COMP_NONE || prop->allocFlags.usage != 0) {
        driver_log(DRIVER_LOG_WARN, "%s: compressible memory and usage flags are not supported through Orion", call);
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    if (prop->requestedHandleTypes == CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR) {
        static int warned;
        if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
            driver_log(DRIVER_LOG_WARN,
                       "%s: a POSIX file descriptor handle was asked for; Orion's allocations have none, so "
                       "cuMemExportToShareableHandle will fail (sharing device memory with other processes is not "
                       "supported through Orion)",
                       call);
    }
    /* gpuDirectRDMACapable is a hint for third-party devices on the GPU's host, which the program cannot reach. */
    *device = prop->location.id;
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuMemGetAllocationGranularity(size_t *granularity, const CUmemAllocationProp *prop, int option)
{
    if (granularity == NULL || prop == NULL ||
        (option != CU_MEM_ALLOC_GRANULARITY_MINIMUM && option != CU_MEM_ALLOC_GRANULARITY_RECOMMENDED))
        return CUDA_ERROR_INVALID_VALUE;
    int device;
    CUresult result = driver_begin();
    if (result == CUDA_SUCCESS)
        result = check_properties(prop, "cuMemGetAllocationGranularity", &device);
    uint64_t value = 0;
    if (result == CUDA_SUCCESS)
        result = driver_result(driver_client.orion_vmm_granularity(device, CU_MEM_ALLOCATION_TYPE_PINNED,
                                                                   CU_MEM_HANDLE_TYPE_NONE, option, &value));
    if (result == CUDA_SUCCESS)
        *granularity = value;
    return result;
}

/* ---- reservations ---- */

/* Records a reservation the server made, reserving its addresses here; *collides when the program's own memory is
 * there (then nothing was recorded). Called with vmm_lock held. */
static CUresult record_reservation(int device, uint64_t base, uint64_t size, int *collides)
{
    enum driver_reservation here = driver_reserve_device_range(base, size);
    *collides = here == DRIVER_RANGE_COLLIDES;
    if (*collides)
        return CUDA_SUCCESS;
    if (!grow((void **)&reservations, &reservation_capacity, reservation_count, sizeof *reservations)) {
        if (here == DRIVER_RANGE_RESERVED)
            driver_release_device_range(base, size);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    reservations[reservation_count++] = (vmm_reservation){base, size, device, here == DRIVER_RANGE_RESERVED};
    return CUDA_SUCCESS;
}

DRIVER_API CUresult cuMemAddressReserve(CUdeviceptr *pointer, size_t size, size_t alignment, CUdeviceptr hint,
                                        unsigned long long flags)
{
    if (pointer == NULL || size == 0 || flags != 0)
        return CUDA_ERROR_INVALID_VALUE;
    int device;
    CUresult result = driver_current_device(&device);
    if (result != CUDA_SUCCESS)
        return result;
    /* The hint is only a hint: the server's driver may place the range elsewhere. A range whose addresses hold the
     * program's own memory here is kept on the server (so it is not handed out again at once) while other addresses
     * are asked for, then freed. */
    uint64_t colliding[COLLISION_RETRIES];
    int held = 0, collides = 1;
    uint64_t address = 0;
    pthread_mutex_lock(&vmm_lock);
    while (result == CUDA_SUCCESS && collides && held < COLLISION_RETRIES) {
        address = 0;
        result = driver_result(driver_client.orion_vmm_reserve(device, size, alignment, held == 0 ? hint : 0, &address));
        if (result == CUDA_SUCCESS)
            result = record_reservation(device, address, size, &collides);
        if (result == CUDA_SUCCESS && collides)
            colliding[held++] = address;
        else if (result != CUDA_SUCCESS && address != 0)
            driver_client.orion_vmm_free(device, address, size);
    }
    pthread_mutex_unlock(&vmm_lock);
    for (int i = 0; i < held; i++)
        driver_client.orion_vmm_free(device, colliding[i], size);
    if (result == CUDA_SUCCESS && collides) {
        driver_log(DRIVER_LOG_ERROR, "the server's reserved device addresses keep colliding with this program's memory");
        result = CUDA_ERROR_OUT_OF_MEMORY;
    }
    if (result == CUDA_SUCCESS)
        *pointer = address;
    return result;
}

DRIVER_API CUresult cuMemAddressFree(CUdeviceptr pointer, size_t size)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&vmm_lock);
    vmm_reservation *reservation = reservation_holding(pointer, size);
    if (reservation == NULL || reservation->base != pointer || reservation->size != size)
        result = CUDA_ERROR_INVALID_VALUE;
    if (result == CUDA_SUCCESS)
        result = driver_result(driver_client.orion_vmm_free(reservation->device, pointer, size));
    if (result == CUDA_SUCCESS) {
        if (reservation->reserved_here)
            driver_release_device_range(pointer, size);
        *reservation = reservations[--reservation_count];
    }
    pthread_mutex_unlock(&vmm_lock);
    return result;
}

/* ---- physical allocations ---- */

DRIVER_API CUresult cuMemCreate(CUmemGenericAllocationHandle *handle, size_t size, const CUmemAllocationProp *prop,
                                unsigned long long flags)
{
    if (handle == NULL || prop == NULL || size == 0 || flags != 0)
        return CUDA_ERROR_INVALID_VALUE;
    int device;
    CUresult result = driver_begin();
    if (result == CUDA_SUCCESS)
        result = check_properties(prop, "cuMemCreate", &device);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&vmm_lock);
    uint32_t index = UINT32_MAX;
    result = new_slot(&index);
    uint64_t remote = 0;
    if (result == CUDA_SUCCESS)
        result = driver_result(
            driver_client.orion_vmm_create(device, size, CU_MEM_ALLOCATION_TYPE_PINNED, CU_MEM_HANDLE_TYPE_NONE, &remote));
    if (result == CUDA_SUCCESS) {
        slots[index].device = device;
        slots[index].remote = remote;
        slots[index].size = size;
        slots[index].references = 1;
        slots[index].mappings = 0;
        *handle = handle_of(index);
    } else if (index < slot_count) {
        slots[index].references = slots[index].mappings = 0;
        free_slot_if_unused(index);
    }
    pthread_mutex_unlock(&vmm_lock);
    return result;
}

DRIVER_API CUresult cuMemRelease(CUmemGenericAllocationHandle handle)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&vmm_lock);
    uint32_t index;
    vmm_slot *slot = live_slot(handle, &index);
    result = slot == NULL ? CUDA_ERROR_INVALID_VALUE : driver_result(driver_client.orion_vmm_release(slot->device, slot->remote));
    if (result == CUDA_SUCCESS) {
        slot->references--;
        free_slot_if_unused(index);
    }
    pthread_mutex_unlock(&vmm_lock);
    return result;
}

DRIVER_API CUresult cuMemRetainAllocationHandle(CUmemGenericAllocationHandle *handle, void *address)
{
    if (handle == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&vmm_lock);
    vmm_mapping *mapping = mapping_holding(driver_address(address));
    vmm_slot *slot = mapping != NULL ? &slots[mapping->slot] : NULL;
    uint64_t remote = 0;
    result = slot == NULL ? CUDA_ERROR_INVALID_VALUE
                          : driver_result(driver_client.orion_vmm_retain(slot->device, driver_address(address), &remote));
    if (result == CUDA_SUCCESS && remote != slot->remote) {
        /* The server's table and this one disagree: give the reference back and say so. */
        driver_client.orion_vmm_release(slot->device, remote);
        driver_log(DRIVER_LOG_ERROR, "cuMemRetainAllocationHandle: the server names another allocation at %p", address);
        result = CUDA_ERROR_UNKNOWN;
    }
    if (result == CUDA_SUCCESS) {
        slot->references++;
        *handle = handle_of(mapping->slot);
    }
    pthread_mutex_unlock(&vmm_lock);
    return result;
}

DRIVER_API CUresult cuMemGetAllocationPropertiesFromHandle(CUmemAllocationProp *prop, CUmemGenericAllocationHandle handle)
{
    if (prop == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&vmm_lock);
    vmm_slot *slot = live_slot(handle, NULL);
    int device = slot != NULL ? slot->device : 0;
    uint64_t remote = slot != NULL ? slot->remote : 0;
    pthread_mutex_unlock(&vmm_lock);
    if (slot == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    uint64_t size = 0;
    int32_t type = 0, handle_types = 0;
    result = driver_result(driver_client.orion_vmm_properties(device, remote, &size, &type, &handle_types));
    if (result == CUDA_SUCCESS) {
        memset(prop, 0, sizeof *prop);
        prop->type = type;
        prop->requestedHandleTypes = handle_types;
        prop->location.type = CU_MEM_LOCATION_TYPE_DEVICE;
        prop->location.id = device;
    }
    return result;
}

/* ---- mappings and access ---- */

DRIVER_API CUresult cuMemMap(CUdeviceptr pointer, size_t size, size_t offset, CUmemGenericAllocationHandle handle,
                             unsigned long long flags)
{
    if (flags != 0 || size == 0)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&vmm_lock);
    uint32_t index;
    vmm_slot *slot = live_slot(handle, &index);
    vmm_reservation *reservation = reservation_holding(pointer, size);
    if (slot == NULL)
        result = CUDA_ERROR_INVALID_HANDLE;
    else if (reservation == NULL)
        result = CUDA_ERROR_INVALID_VALUE;
    else if (reservation->device != slot->device) {
        driver_log(DRIVER_LOG_WARN, "cuMemMap: memory of device %d in a reservation made on device %d is not supported "
                   "through Orion", slot->device, reservation->device);
        result = CUDA_ERROR_NOT_SUPPORTED;
    } else if (!grow((void **)&mappings, &mapping_capacity, mapping_count, sizeof *mappings))
        result = CUDA_ERROR_OUT_OF_MEMORY;
    if (result == CUDA_SUCCESS)
        result = driver_result(driver_client.orion_vmm_map(slot->device, pointer, size, offset, slot->remote));
    if (result == CUDA_SUCCESS) {
        result = driver_ranges_add(pointer, size, CU_MEMORYTYPE_DEVICE, slot->device, DRIVER_RANGE_FLAG_MAPPED);
        if (result != CUDA_SUCCESS)
            driver_client.orion_vmm_unmap(slot->device, pointer, size);
    }
    if (result == CUDA_SUCCESS) {
        size_t at = mapping_after(pointer);
        memmove(&mappings[at + 1], &mappings[at], (mapping_count - at) * sizeof *mappings);
        mappings[at] = (vmm_mapping){pointer, size, index};
        mapping_count++;
        slot->mappings++;
    }
    pthread_mutex_unlock(&vmm_lock);
    return result;
}

DRIVER_API CUresult cuMemUnmap(CUdeviceptr pointer, size_t size)
{
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&vmm_lock);
    vmm_reservation *reservation = reservation_holding(pointer, size);
    result = reservation == NULL ? CUDA_ERROR_INVALID_VALUE
                                 : driver_result(driver_client.orion_vmm_unmap(reservation->device, pointer, size));
    if (result == CUDA_SUCCESS) {
        /* The server unmapped whole mappings from pointer on: every one that starts in the range. */
        size_t at = mapping_after(pointer);
        if (at > 0 && mappings[at - 1].base == pointer)
            at--;
        while (at < mapping_count && mappings[at].base - pointer < size)
            forget_mapping(at);
    }
    pthread_mutex_unlock(&vmm_lock);
    return result;
}

DRIVER_API CUresult cuMemSetAccess(CUdeviceptr pointer, size_t size, const CUmemAccessDesc *desc, size_t count)
{
    if (desc == NULL || count == 0 || size == 0)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&vmm_lock);
    vmm_reservation *reservation = reservation_holding(pointer, size);
    int device = reservation != NULL ? reservation->device : -1;
    pthread_mutex_unlock(&vmm_lock);
    if (reservation == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    /* Every descriptor is checked before any is applied. */
    for (size_t i = 0; i < count; i++) {
        if (desc[i].flags != CU_MEM_ACCESS_FLAGS_PROT_NONE && desc[i].flags != CU_MEM_ACCESS_FLAGS_PROT_READ &&
            desc[i].flags != CU_MEM_ACCESS_FLAGS_PROT_READWRITE)
            return CUDA_ERROR_INVALID_VALUE;
        if (desc[i].location.type != CU_MEM_LOCATION_TYPE_DEVICE)
            DRIVER_NOT_SUPPORTED("cuMemSetAccess for a host location");
        result = driver_check_device(desc[i].location.id);
        if (result != CUDA_SUCCESS)
            return result;
        if (desc[i].location.id != device)
            DRIVER_NOT_SUPPORTED("cuMemSetAccess for another device than the memory's (peer access)");
    }
    for (size_t i = 0; result == CUDA_SUCCESS && i < count; i++)
        result = driver_result(driver_client.orion_vmm_set_access(device, pointer, size, (uint32_t)desc[i].flags));
    return result;
}

DRIVER_API CUresult cuMemGetAccess(unsigned long long *flags, const CUmemLocation *location, CUdeviceptr pointer)
{
    if (flags == NULL || location == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = driver_begin();
    if (result != CUDA_SUCCESS)
        return result;
    if (location->type == CU_MEM_LOCATION_TYPE_DEVICE && (result = driver_check_device(location->id)) != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&vmm_lock);
    vmm_reservation *reservation = reservation_holding(pointer, 1);
    int device = reservation != NULL ? reservation->device : -1;
    pthread_mutex_unlock(&vmm_lock);
    if (reservation == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    uint32_t access = 0;
    result = driver_result(driver_client.orion_vmm_get_access(device, pointer, &access));
    if (result == CUDA_SUCCESS)
        /* No other device and no host location is ever given access through Orion. */
        *flags = location->type == CU_MEM_LOCATION_TYPE_DEVICE && location->id == device ? access : 0;
    return result;
}
