/*
 * Context-local storage, the service NVIDIA's runtime keeps its per-context state in (private
 * table c693336e-...): values stored by (context, key), each with a destructor the driver calls
 * when the context goes away. Purely client-side: the contexts are the front end's own records.
 */
#include <pthread.h>
#include <stdlib.h>

#include "driver_context_storage.h"

typedef struct stored_value {
    CUcontext context;
    void *key;
    void *value;
    driver_storage_destructor destructor;
    struct stored_value *next;
} stored_value;

static stored_value *values;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static CUresult resolve(CUcontext *context)
{
    /* NULL, and all ones, mean the calling thread's current context. */
    if (*context == NULL || *context == (CUcontext)(uintptr_t)UINTPTR_MAX)
        *context = driver_current_context();
    return *context != NULL ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

CUresult driver_storage_put(CUcontext context, void *key, void *value, driver_storage_destructor destructor)
{
    CUresult result = resolve(&context);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&lock);
    stored_value *entry = values;
    while (entry != NULL && !(entry->context == context && entry->key == key))
        entry = entry->next;
    if (entry == NULL && (entry = calloc(1, sizeof *entry)) != NULL) {
        entry->context = context, entry->key = key;
        entry->next = values;
        values = entry;
    }
    if (entry != NULL)
        entry->value = value, entry->destructor = destructor;
    pthread_mutex_unlock(&lock);
    return entry != NULL ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

CUresult driver_storage_delete(CUcontext context, void *key)
{
    CUresult result = resolve(&context);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&lock);
    stored_value **link = &values;
    while (*link != NULL && !((*link)->context == context && (*link)->key == key))
        link = &(*link)->next;
    stored_value *found = *link;
    if (found != NULL)
        *link = found->next;
    pthread_mutex_unlock(&lock);
    free(found);
    return found != NULL ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

CUresult driver_storage_get(void **value, CUcontext context, void *key)
{
    if (value == NULL)
        return CUDA_ERROR_INVALID_VALUE;
    CUresult result = resolve(&context);
    if (result != CUDA_SUCCESS)
        return result;
    pthread_mutex_lock(&lock);
    stored_value *entry = values;
    while (entry != NULL && !(entry->context == context && entry->key == key))
        entry = entry->next;
    if (entry != NULL)
        *value = entry->value;
    pthread_mutex_unlock(&lock);
    return entry != NULL ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

void driver_storage_release_context(CUcontext context)
{
    /* Unlinked under the lock, destroyed outside it: a destructor may call back into the driver. */
    pthread_mutex_lock(&lock);
    stored_value *released = NULL, **link = &values;
    while (*link != NULL) {
        stored_value *entry = *link;
        if (entry->context == context) {
            *link = entry->next;
            entry->next = released;
            released = entry;
        } else {
            link = &entry->next;
        }
    }
    pthread_mutex_unlock(&lock);
    while (released != NULL) {
        stored_value *next = released->next;
        if (released->destructor != NULL)
            released->destructor(released->context, released->key, released->value);
        free(released);
        released = next;
    }
}
