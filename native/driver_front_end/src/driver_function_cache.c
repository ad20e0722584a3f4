/*
 * What the server's driver said about a function, kept on the client. cuDNN and PyTorch ask a
 * kernel's attributes and occupancy before nearly every launch (ResNet-50 training asked
 * cuFuncGetAttribute about 4,000 times a step), and each question was a round trip. A function's
 * attributes change only through cuFuncSetAttribute, which goes through this process's front end,
 * so the answers stay true: the first question fetches every attribute in one round trip, a set
 * updates the one it set and forgets the occupancy answers (the shared memory limit and the carveout
 * change how many blocks fit), and setting the value an attribute already has costs nothing.
 */
#include <pthread.h>
#include <string.h>

#include "driver_handles.h"

#define OCCUPANCY_ENTRIES (sizeof ((struct driver_function_cache *)0)->occupancy / \
                           sizeof ((struct driver_function_cache *)0)->occupancy[0])

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The attribute from the cache; fetches every cached attribute in one round trip when it is not
 * there. An attribute past the cached ones, or a fetch the server refuses as a whole, is asked
 * alone, as before. */
CUresult driver_function_attribute(struct driver_function *function, int attribute, int *value)
{
    struct driver_function_cache *cache = &function->cache;
    if (attribute < 0 || attribute >= DRIVER_CACHED_ATTRIBUTES)
        return driver_result(driver_client.orion_function_get_attributes(function->device, function->remote, 1,
                                                                         &attribute, value));
    pthread_mutex_lock(&lock);
    uint32_t known = cache->known;
    if (known & (1u << attribute))
        *value = cache->values[attribute];
    pthread_mutex_unlock(&lock);
    if (known & (1u << attribute))
        return CUDA_SUCCESS;
    int32_t ids[DRIVER_CACHED_ATTRIBUTES], values[DRIVER_CACHED_ATTRIBUTES];
    for (int i = 0; i < DRIVER_CACHED_ATTRIBUTES; i++)
        ids[i] = i;
    pthread_mutex_lock(&lock);
    uint32_t generation = cache->generation;
    pthread_mutex_unlock(&lock);
    CUresult result = driver_result(driver_client.orion_function_get_attributes(
        function->device, function->remote, DRIVER_CACHED_ATTRIBUTES, ids, values));
    if (result != CUDA_SUCCESS)
        return driver_result(driver_client.orion_function_get_attributes(function->device, function->remote, 1,
                                                                         &attribute, value));
    pthread_mutex_lock(&lock);
    /* A set meanwhile makes what was fetched stale: answer it, keep none of it. */
    if (cache->generation == generation) {
        memcpy(cache->values, values, sizeof values);
        cache->known = (1u << DRIVER_CACHED_ATTRIBUTES) - 1;
    }
    pthread_mutex_unlock(&lock);
    *value = values[attribute];
    return CUDA_SUCCESS;
}

/* Sets an attribute on the server unless it already has that value; either way the cache then
 * holds only what is sure. */
CUresult driver_function_set_attribute(struct driver_function *function, int attribute, int value)
{
    struct driver_function_cache *cache = &function->cache;
    if (attribute >= 0 && attribute < DRIVER_CACHED_ATTRIBUTES) {
        pthread_mutex_lock(&lock);
        int unchanged = (cache->known & (1u << attribute)) && cache->values[attribute] == value;
        pthread_mutex_unlock(&lock);
        if (unchanged)
            return CUDA_SUCCESS;
    }
    CUresult result = driver_result(
        driver_client.orion_function_set_attribute(function->device, function->remote, attribute, value));
    pthread_mutex_lock(&lock);
    cache->generation++;
    memset(cache->occupancy, 0, sizeof cache->occupancy);
    if (attribute >= 0 && attribute < DRIVER_CACHED_ATTRIBUTES) {
        /* Refused: what the attribute now reads is the server's to say. */
        cache->values[attribute] = value;
        cache->known = result == CUDA_SUCCESS ? cache->known | (1u << attribute) : cache->known & ~(1u << attribute);
    }
    pthread_mutex_unlock(&lock);
    return result;
}

/* cuFuncSetCacheConfig changes what occupancy answers too. */
void driver_function_forget(struct driver_function *function)
{
    pthread_mutex_lock(&lock);
    function->cache.generation++;
    function->cache.known = 0;
    memset(function->cache.occupancy, 0, sizeof function->cache.occupancy);
    pthread_mutex_unlock(&lock);
}

CUresult driver_function_occupancy(struct driver_function *function, int block_size, size_t dynamic_shared,
                                   unsigned int flags, int *blocks)
{
    struct driver_function_cache *cache = &function->cache;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < OCCUPANCY_ENTRIES; i++) {
        if (cache->occupancy[i].valid && cache->occupancy[i].block_size == block_size &&
            cache->occupancy[i].dynamic_shared == dynamic_shared && cache->occupancy[i].flags == flags) {
            *blocks = cache->occupancy[i].blocks;
            pthread_mutex_unlock(&lock);
            return CUDA_SUCCESS;
        }
    }
    uint32_t generation = cache->generation;
    pthread_mutex_unlock(&lock);
    int answer = 0;
    CUresult result = driver_result(driver_client.orion_occupancy_max_active_blocks(
        function->device, function->remote, block_size, dynamic_shared, flags, &answer));
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&lock);
    if (cache->generation == generation) {
        size_t slot = cache->next_occupancy++ % OCCUPANCY_ENTRIES;
        cache->occupancy[slot].valid = 1;
        cache->occupancy[slot].block_size = block_size;
        cache->occupancy[slot].dynamic_shared = dynamic_shared;
        cache->occupancy[slot].flags = flags;
        cache->occupancy[slot].blocks = answer;
    }
    pthread_mutex_unlock(&lock);
    *blocks = answer;
    return CUDA_SUCCESS;
}
