/*
 * CUDA arrays, copies with them, and texture and surface objects through Orion's libcuda.so.1, the
 * way NVIDIA's runtime drives them for cudaMallocArray, cudaMemcpy2DToArray / FromArray, cudaMemcpy3D
 * and cudaCreateTextureObject / cudaCreateSurfaceObject. Run by tests/Orion.CudartStub.Tests against
 * the real client and an emulated server, whose kernels orion_test_texture_sample and
 * orion_test_surface_update read and write the objects; `make test` runs it against the mock client
 * with ORION_TEST_NO_KERNELS=1 (the mock runs no kernels).
 * The declarations are ours (include/cuda_driver_abi.h); no NVIDIA header is used.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_driver_abi.h"

CUresult cuInit(unsigned int);
CUresult cuDevicePrimaryCtxRetain(CUcontext *, CUdevice);
CUresult cuCtxSetCurrent(CUcontext);
CUresult cuCtxSynchronize(void);
CUresult cuMemAlloc_v2(CUdeviceptr *, size_t);
CUresult cuMemAllocPitch_v2(CUdeviceptr *, size_t *, size_t, size_t, unsigned int);
CUresult cuMemFree_v2(CUdeviceptr);
CUresult cuMemcpyHtoD_v2(CUdeviceptr, const void *, size_t);
CUresult cuMemcpyDtoH_v2(void *, CUdeviceptr, size_t);
CUresult cuMemcpy2D_v2(const CUDA_MEMCPY2D *);
CUresult cuMemcpy2DUnaligned_v2(const CUDA_MEMCPY2D *);
CUresult cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D *, CUstream);
CUresult cuMemcpy3D_v2(const CUDA_MEMCPY3D *);
CUresult cuMemcpy3DAsync_v2(const CUDA_MEMCPY3D *, CUstream);
CUresult cuMemcpyHtoA_v2(CUarray, size_t, const void *, size_t);
CUresult cuMemcpyAtoH_v2(void *, CUarray, size_t, size_t);
CUresult cuMemcpyHtoAAsync_v2(CUarray, size_t, const void *, size_t, CUstream);
CUresult cuMemcpyAtoHAsync_v2(void *, CUarray, size_t, size_t, CUstream);
CUresult cuMemcpyDtoA_v2(CUarray, size_t, CUdeviceptr, size_t);
CUresult cuMemcpyAtoD_v2(CUdeviceptr, CUarray, size_t, size_t);
CUresult cuMemcpyAtoA_v2(CUarray, size_t, CUarray, size_t, size_t);
CUresult cuArrayCreate_v2(CUarray *, const CUDA_ARRAY_DESCRIPTOR *);
CUresult cuArray3DCreate_v2(CUarray *, const CUDA_ARRAY3D_DESCRIPTOR *);
CUresult cuArrayGetDescriptor_v2(CUDA_ARRAY_DESCRIPTOR *, CUarray);
CUresult cuArray3DGetDescriptor_v2(CUDA_ARRAY3D_DESCRIPTOR *, CUarray);
CUresult cuArrayDestroy(CUarray);
CUresult cuTexObjectCreate(CUtexObject *, const CUDA_RESOURCE_DESC *, const CUDA_TEXTURE_DESC *,
                           const CUDA_RESOURCE_VIEW_DESC *);
CUresult cuTexObjectDestroy(CUtexObject);
CUresult cuTexObjectGetResourceDesc(CUDA_RESOURCE_DESC *, CUtexObject);
CUresult cuTexObjectGetTextureDesc(CUDA_TEXTURE_DESC *, CUtexObject);
CUresult cuSurfObjectCreate(CUsurfObject *, const CUDA_RESOURCE_DESC *);
CUresult cuSurfObjectDestroy(CUsurfObject);
CUresult cuSurfObjectGetResourceDesc(CUDA_RESOURCE_DESC *, CUsurfObject);
CUresult cuDeviceGetTexture1DLinearMaxWidth(size_t *, int, unsigned int, CUdevice);
CUresult cuStreamCreate(CUstream *, unsigned int);
CUresult cuStreamSynchronize(CUstream);
CUresult cuStreamDestroy_v2(CUstream);
CUresult cuModuleLoadData(CUmodule *, const void *);
CUresult cuModuleGetFunction(CUfunction *, CUmodule, const char *);
CUresult cuModuleUnload(CUmodule);
CUresult cuLaunchKernel(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,
                        void **, void **);
CUresult cuGetProcAddress_v2(const char *, void **, int, uint64_t, int *);

#include "driver_test_check.h"

enum { W = 67, H = 45, WIDE = 128 };

static float pattern(int x, int y) { return (float)((x * 7 + y * 13) % 32) / 4.0f; }

static CUarray make_array(size_t width, size_t height, size_t depth, int format, unsigned channels, unsigned flags)
{
    CUDA_ARRAY3D_DESCRIPTOR descriptor = {width, height, depth, format, channels, flags};
    CUarray array = NULL;
    EXPECT_OK(cuArray3DCreate_v2(&array, &descriptor));
    return array;
}

/* A 2D copy between host rows and an array, as cudaMemcpy2DToArray / FromArray ask for it. */
static CUresult copy_2d_host_array(int to_array, float *host, size_t host_pitch, CUarray array, size_t x_bytes, size_t y,
                                   size_t width, size_t height, CUresult (*copy)(const CUDA_MEMCPY2D *))
{
    CUDA_MEMCPY2D c;
    memset(&c, 0, sizeof c);
    if (to_array) {
        c.srcMemoryType = CU_MEMORYTYPE_HOST, c.srcHost = host, c.srcPitch = host_pitch;
        c.dstMemoryType = CU_MEMORYTYPE_ARRAY, c.dstArray = array, c.dstXInBytes = x_bytes, c.dstY = y;
    } else {
        c.srcMemoryType = CU_MEMORYTYPE_ARRAY, c.srcArray = array, c.srcXInBytes = x_bytes, c.srcY = y;
        c.dstMemoryType = CU_MEMORYTYPE_HOST, c.dstHost = host, c.dstPitch = host_pitch;
    }
    c.WidthInBytes = width, c.Height = height;
    return copy(&c);
}

static void arrays_and_2d_copies(CUstream stream)
{
    static float image[W * H], wide[WIDE * H], sub[30];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            image[y * W + x] = pattern(x, y);
    CUarray array = make_array(W, H, 0, CU_AD_FORMAT_FLOAT, 1, 0);
    CUDA_ARRAY3D_DESCRIPTOR shape;
    EXPECT_OK(cuArray3DGetDescriptor_v2(&shape, array));
    EXPECT(shape.Width == W && shape.Height == H && shape.Depth == 0 && shape.Format == CU_AD_FORMAT_FLOAT &&
           shape.NumChannels == 1 && shape.Flags == 0);
    CUDA_ARRAY_DESCRIPTOR flat;
    EXPECT_OK(cuArrayGetDescriptor_v2(&flat, array));
    EXPECT(flat.Width == W && flat.Height == H && flat.Format == CU_AD_FORMAT_FLOAT && flat.NumChannels == 1);

    /* In as cudaMemcpy2DToArray does; out into a wider host pitch, whose padding stays untouched. */
    EXPECT_OK(copy_2d_host_array(1, image, W * 4, array, 0, 0, W * 4, H, cuMemcpy2D_v2));
    for (int i = 0; i < WIDE * H; i++)
        wide[i] = -7.0f;
    EXPECT_OK(copy_2d_host_array(0, wide, WIDE * 4, array, 0, 0, W * 4, H, cuMemcpy2DUnaligned_v2));
    int same = 1, padding = 1;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < WIDE; x++) {
            if (x < W && wide[y * WIDE + x] != image[y * W + x])
                same = 0;
            if (x >= W && wide[y * WIDE + x] != -7.0f)
                padding = 0;
        }
    EXPECT(same);
    EXPECT(padding);
    /* Columns 10..19 of rows 5..7. */
    EXPECT_OK(copy_2d_host_array(0, sub, 40, array, 40, 5, 40, 3, cuMemcpy2D_v2));
    EXPECT(sub[0] == pattern(10, 5) && sub[29] == pattern(19, 7));
    /* Outside the array: refused, and nothing changes. */
    EXPECT(copy_2d_host_array(1, image, W * 4, array, 4, 0, W * 4, 1, cuMemcpy2D_v2) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(copy_2d_host_array(0, sub, 40, array, 0, H - 2, 40, 3, cuMemcpy2D_v2) == CUDA_ERROR_INVALID_VALUE);

    /* Array to pitched device memory on a stream, then back to the host. */
    CUdeviceptr pitched = 0;
    size_t pitch = 0;
    EXPECT_OK(cuMemAllocPitch_v2(&pitched, &pitch, W * 4, H, 4));
    CUDA_MEMCPY2D c;
    memset(&c, 0, sizeof c);
    c.srcMemoryType = CU_MEMORYTYPE_ARRAY, c.srcArray = array;
    c.dstMemoryType = CU_MEMORYTYPE_DEVICE, c.dstDevice = pitched, c.dstPitch = pitch;
    c.WidthInBytes = W * 4, c.Height = H;
    EXPECT_OK(cuMemcpy2DAsync_v2(&c, stream));
    EXPECT_OK(cuStreamSynchronize(stream));
    float row[W];
    EXPECT_OK(cuMemcpyDtoH_v2(row, pitched + 44 * pitch, sizeof row));
    EXPECT(row[0] == pattern(0, 44) && row[W - 1] == pattern(W - 1, 44));
    EXPECT_OK(cuMemFree_v2(pitched));

    EXPECT_OK(cuArrayDestroy(array));
    EXPECT(cuArrayDestroy(array) == CUDA_ERROR_INVALID_HANDLE);
    EXPECT(cuArray3DGetDescriptor_v2(&shape, array) == CUDA_ERROR_INVALID_HANDLE);
}

static void three_dimensional_copies(CUstream stream)
{
    /* 6x5x4 uchar4; host slices 7 rows apart. */
    enum { X = 6, Y = 5, Z = 4, ROW = X * 4, SLICE_ROWS = 7 };
    static unsigned char host[ROW * SLICE_ROWS * Z], back[ROW * Y * Z];
    for (size_t i = 0; i < sizeof host; i++)
        host[i] = (unsigned char)(i * 37 + 11);
    CUarray first = make_array(X, Y, Z, CU_AD_FORMAT_UNSIGNED_INT8, 4, 0);
    CUarray second = make_array(X, Y, Z, CU_AD_FORMAT_UNSIGNED_INT8, 4, 0);
    CUDA_MEMCPY3D c;
    memset(&c, 0, sizeof c);
    c.srcMemoryType = CU_MEMORYTYPE_HOST, c.srcHost = host, c.srcPitch = ROW, c.srcHeight = SLICE_ROWS;
    c.dstMemoryType = CU_MEMORYTYPE_ARRAY, c.dstArray = first;
    c.WidthInBytes = ROW, c.Height = Y, c.Depth = Z;
    EXPECT_OK(cuMemcpy3DAsync_v2(&c, stream));
    /* Array to array, then array to host, packed. */
    memset(&c, 0, sizeof c);
    c.srcMemoryType = CU_MEMORYTYPE_ARRAY, c.srcArray = first;
    c.dstMemoryType = CU_MEMORYTYPE_ARRAY, c.dstArray = second;
    c.WidthInBytes = ROW, c.Height = Y, c.Depth = Z;
    EXPECT_OK(cuMemcpy3D_v2(&c));
    memset(&c, 0, sizeof c);
    c.srcMemoryType = CU_MEMORYTYPE_ARRAY, c.srcArray = second;
    c.dstMemoryType = CU_MEMORYTYPE_HOST, c.dstHost = back, c.dstPitch = ROW, c.dstHeight = Y;
    c.WidthInBytes = ROW, c.Height = Y, c.Depth = Z;
    EXPECT_OK(cuMemcpy3D_v2(&c));
    int same = 1;
    for (int z = 0; z < Z; z++)
        for (int y = 0; y < Y; y++)
            if (memcmp(back + (z * Y + y) * ROW, host + (z * SLICE_ROWS + y) * ROW, ROW) != 0)
                same = 0;
    EXPECT(same);
    /* One element at slice 2, row 3, element 4, into device memory and back. */
    CUdeviceptr element = 0;
    EXPECT_OK(cuMemAlloc_v2(&element, 4));
    memset(&c, 0, sizeof c);
    c.srcMemoryType = CU_MEMORYTYPE_ARRAY, c.srcArray = second, c.srcXInBytes = 16, c.srcY = 3, c.srcZ = 2;
    c.dstMemoryType = CU_MEMORYTYPE_DEVICE, c.dstDevice = element;
    c.WidthInBytes = 4, c.Height = 1, c.Depth = 1;
    EXPECT_OK(cuMemcpy3D_v2(&c));
    unsigned char four[4];
    EXPECT_OK(cuMemcpyDtoH_v2(four, element, 4));
    EXPECT(memcmp(four, host + (2 * SLICE_ROWS + 3) * ROW + 16, 4) == 0);
    EXPECT_OK(cuMemFree_v2(element));
    /* Host to device in 3D (no array): one 2D copy per slice. */
    CUdeviceptr volume = 0;
    EXPECT_OK(cuMemAlloc_v2(&volume, sizeof back));
    memset(&c, 0, sizeof c);
    c.srcMemoryType = CU_MEMORYTYPE_HOST, c.srcHost = host, c.srcPitch = ROW, c.srcHeight = SLICE_ROWS;
    c.dstMemoryType = CU_MEMORYTYPE_DEVICE, c.dstDevice = volume, c.dstPitch = ROW, c.dstHeight = Y;
    c.WidthInBytes = ROW, c.Height = Y, c.Depth = Z;
    EXPECT_OK(cuMemcpy3D_v2(&c));
    memset(back, 0, sizeof back);
    EXPECT_OK(cuMemcpyDtoH_v2(back, volume, sizeof back));
    EXPECT(memcmp(back + (3 * Y + 4) * ROW, host + (3 * SLICE_ROWS + 4) * ROW, ROW) == 0);
    EXPECT_OK(cuMemFree_v2(volume));
    /* A mipmap level, a box past the last slice, a slice taller than its host height: refused. */
    c.srcLOD = 1;
    EXPECT(cuMemcpy3D_v2(&c) == CUDA_ERROR_INVALID_VALUE);
    memset(&c, 0, sizeof c);
    c.srcMemoryType = CU_MEMORYTYPE_ARRAY, c.srcArray = second, c.srcZ = 1;
    c.dstMemoryType = CU_MEMORYTYPE_HOST, c.dstHost = back, c.dstPitch = ROW, c.dstHeight = Y;
    c.WidthInBytes = ROW, c.Height = Y, c.Depth = Z;
    EXPECT(cuMemcpy3D_v2(&c) == CUDA_ERROR_INVALID_VALUE);
    c.srcZ = 0, c.dstHeight = Y - 1;
    EXPECT(cuMemcpy3D_v2(&c) == CUDA_ERROR_INVALID_VALUE);
    EXPECT_OK(cuArrayDestroy(first));
    EXPECT_OK(cuArrayDestroy(second));
}

static void byte_offset_copies(CUstream stream)
{
    /* A 1D array of 1000 ushort, and a 2D one whose rows the offsets run across. */
    CUDA_ARRAY_DESCRIPTOR descriptor = {1000, 0, CU_AD_FORMAT_UNSIGNED_INT16, 1};
    CUarray line = NULL, other = NULL, grid = NULL;
    EXPECT_OK(cuArrayCreate_v2(&line, &descriptor));
    EXPECT_OK(cuArrayCreate_v2(&other, &descriptor));
    descriptor.Width = 10, descriptor.Height = 8;
    EXPECT_OK(cuArrayCreate_v2(&grid, &descriptor));
    unsigned short in[200], out[200];
    for (int i = 0; i < 200; i++)
        in[i] = (unsigned short)(i * 3 + 1);
    EXPECT_OK(cuMemcpyHtoA_v2(line, 100, in, sizeof in));
    EXPECT_OK(cuMemcpyAtoA_v2(other, 0, line, 100, sizeof in));
    CUdeviceptr device = 0;
    EXPECT_OK(cuMemAlloc_v2(&device, sizeof in));
    EXPECT_OK(cuMemcpyAtoD_v2(device, other, 0, sizeof in));
    EXPECT_OK(cuMemcpyDtoA_v2(grid, 6, device, 100)); /* from element 3 of row 0 across six rows */
    memset(out, 0, sizeof out);
    EXPECT_OK(cuMemcpyAtoHAsync_v2(out, grid, 6, 100, stream));
    EXPECT_OK(cuStreamSynchronize(stream));
    EXPECT(memcmp(out, in, 100) == 0);
    memset(out, 0, sizeof out);
    EXPECT_OK(cuMemcpyHtoAAsync_v2(grid, 0, in, 160, stream)); /* all 8 rows */
    EXPECT_OK(cuMemcpyAtoH_v2(out, grid, 0, 160));
    EXPECT(memcmp(out, in, 160) == 0);
    EXPECT(cuMemcpyAtoH_v2(out, grid, 100, 100) == CUDA_ERROR_INVALID_VALUE); /* past the last row */
    EXPECT(cuMemcpyHtoA_v2(line, 1900, in, 200) == CUDA_ERROR_INVALID_VALUE);
    EXPECT_OK(cuMemFree_v2(device));
    EXPECT_OK(cuArrayDestroy(line));
    EXPECT_OK(cuArrayDestroy(other));
    EXPECT_OK(cuArrayDestroy(grid));
    EXPECT(cuMemcpyHtoA_v2(line, 0, in, 2) == CUDA_ERROR_INVALID_VALUE); /* a destroyed array */
}

static void refused_shapes(void)
{
    CUarray array = NULL;
    CUDA_ARRAY3D_DESCRIPTOR three_channels = {4, 4, 0, CU_AD_FORMAT_FLOAT, 3, 0};
    EXPECT(cuArray3DCreate_v2(&array, &three_channels) == CUDA_ERROR_INVALID_VALUE);
    CUDA_ARRAY3D_DESCRIPTOR sparse = {4, 4, 0, CU_AD_FORMAT_FLOAT, 1, CUDA_ARRAY3D_SPARSE};
    EXPECT(cuArray3DCreate_v2(&array, &sparse) == CUDA_ERROR_NOT_SUPPORTED);
    CUDA_ARRAY3D_DESCRIPTOR normalised = {4, 4, 0, 0xc0 /* CU_AD_FORMAT_UNORM_INT8X1 */, 1, 0};
    EXPECT(cuArray3DCreate_v2(&array, &normalised) == CUDA_ERROR_NOT_SUPPORTED);
    CUDA_ARRAY3D_DESCRIPTOR empty = {0, 4, 0, CU_AD_FORMAT_FLOAT, 1, 0};
    EXPECT(cuArray3DCreate_v2(&array, &empty) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuArray3DCreate_v2(NULL, &empty) == CUDA_ERROR_INVALID_VALUE);
    size_t width = 0;
    EXPECT_OK(cuDeviceGetTexture1DLinearMaxWidth(&width, CU_AD_FORMAT_FLOAT, 4, 0));
    EXPECT(width >= 1u << 27);
    EXPECT(cuDeviceGetTexture1DLinearMaxWidth(&width, CU_AD_FORMAT_FLOAT, 3, 0) == CUDA_ERROR_INVALID_VALUE);
    /* The runtime finds these through cuGetProcAddress, at the version it was built for. */
    void *function = NULL;
    int status = -1;
    EXPECT_OK(cuGetProcAddress_v2("cuArray3DCreate", &function, 13000, 0, &status));
    EXPECT(status == CU_GET_PROC_ADDRESS_SUCCESS && function == (void *)cuArray3DCreate_v2);
    EXPECT_OK(cuGetProcAddress_v2("cuMemcpy3D", &function, 13000, 0, &status));
    EXPECT(function == (void *)cuMemcpy3D_v2);
    EXPECT_OK(cuGetProcAddress_v2("cuTexObjectCreate", &function, 13000, 0, &status));
    EXPECT(function == (void *)cuTexObjectCreate);
}

static CUresult launch(CUfunction kernel, void **arguments)
{
    return cuLaunchKernel(kernel, 1, 1, 1, 1, 1, 1, 0, NULL, arguments, NULL);
}

static void texture_objects(int with_kernels, CUfunction sample)
{
    static float image[W * H], sampled[W * H];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            image[y * W + x] = pattern(x, y);
    CUarray array = make_array(W, H, 0, CU_AD_FORMAT_FLOAT, 1, 0);
    EXPECT_OK(copy_2d_host_array(1, image, W * 4, array, 0, 0, W * 4, H, cuMemcpy2D_v2));
    CUDA_RESOURCE_DESC resource;
    memset(&resource, 0, sizeof resource);
    resource.resType = CU_RESOURCE_TYPE_ARRAY;
    resource.res.array.hArray = array;
    CUDA_TEXTURE_DESC texture;
    memset(&texture, 0, sizeof texture);
    texture.addressMode[0] = texture.addressMode[1] = CU_TR_ADDRESS_MODE_CLAMP;
    texture.filterMode = CU_TR_FILTER_MODE_POINT;
    texture.flags = CU_TRSF_READ_AS_INTEGER;
    CUtexObject object = 0;
    EXPECT_OK(cuTexObjectCreate(&object, &resource, &texture, NULL));
    EXPECT(object != 0);
    CUDA_RESOURCE_DESC kept;
    EXPECT_OK(cuTexObjectGetResourceDesc(&kept, object));
    EXPECT(kept.resType == CU_RESOURCE_TYPE_ARRAY && kept.res.array.hArray == array);
    CUDA_TEXTURE_DESC kept_texture;
    EXPECT_OK(cuTexObjectGetTextureDesc(&kept_texture, object));
    EXPECT(kept_texture.addressMode[1] == CU_TR_ADDRESS_MODE_CLAMP && kept_texture.flags == CU_TRSF_READ_AS_INTEGER);
    /* A zeroed view asks for nothing; a real one is refused. */
    CUDA_RESOURCE_VIEW_DESC view;
    memset(&view, 0, sizeof view);
    CUtexObject plain = 0;
    EXPECT_OK(cuTexObjectCreate(&plain, &resource, &texture, &view));
    EXPECT(plain != object);
    EXPECT_OK(cuTexObjectDestroy(plain));
    view.width = W;
    EXPECT(cuTexObjectCreate(&plain, &resource, &texture, &view) == CUDA_ERROR_NOT_SUPPORTED);

    if (with_kernels) {
        /* Point sampling two texels left of each one: clamped at the left edge. */
        CUdeviceptr output = 0;
        EXPECT_OK(cuMemAlloc_v2(&output, sizeof sampled));
        int w = W, h = H;
        float dx = -2.0f, dy = 0.0f;
        void *arguments[] = {&object, &output, &w, &h, &dx, &dy};
        EXPECT_OK(launch(sample, arguments));
        EXPECT_OK(cuMemcpyDtoH_v2(sampled, output, sizeof sampled));
        int same = 1;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if (sampled[y * W + x] != image[y * W + (x >= 2 ? x - 2 : 0)])
                    same = 0;
        EXPECT(same);
        EXPECT_OK(cuMemFree_v2(output));
    }

    /* A texture over pitched device memory. */
    CUdeviceptr pitched = 0;
    size_t pitch = 0;
    EXPECT_OK(cuMemAllocPitch_v2(&pitched, &pitch, W * 4, H, 4));
    memset(&resource, 0, sizeof resource);
    resource.resType = CU_RESOURCE_TYPE_PITCH2D;
    resource.res.pitch2D.devPtr = pitched;
    resource.res.pitch2D.format = CU_AD_FORMAT_FLOAT;
    resource.res.pitch2D.numChannels = 1;
    resource.res.pitch2D.width = W;
    resource.res.pitch2D.height = H;
    resource.res.pitch2D.pitchInBytes = pitch;
    CUtexObject over_memory = 0;
    EXPECT_OK(cuTexObjectCreate(&over_memory, &resource, &texture, NULL));
    resource.res.pitch2D.height = H * 100; /* past the allocation */
    EXPECT(cuTexObjectCreate(&plain, &resource, &texture, NULL) == CUDA_ERROR_INVALID_VALUE);
    resource.resType = CU_RESOURCE_TYPE_MIPMAPPED_ARRAY;
    EXPECT(cuTexObjectCreate(&plain, &resource, &texture, NULL) == CUDA_ERROR_NOT_SUPPORTED);
    EXPECT_OK(cuTexObjectDestroy(over_memory));
    EXPECT_OK(cuMemFree_v2(pitched));

    EXPECT_OK(cuTexObjectDestroy(object));
    EXPECT(cuTexObjectDestroy(object) == CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuTexObjectGetResourceDesc(&kept, object) == CUDA_ERROR_INVALID_VALUE);
    EXPECT_OK(cuArrayDestroy(array));
}

static void surface_objects(int with_kernels, CUfunction update)
{
    enum { SW = 100, SH = 60 };
    static float values[SW * SH], back[WIDE * SH];
    for (int y = 0; y < SH; y++)
        for (int x = 0; x < SW; x++)
            values[y * SW + x] = (float)(x * 3 + y * 1000);
    CUarray array = make_array(SW, SH, 0, CU_AD_FORMAT_FLOAT, 1, CUDA_ARRAY3D_SURFACE_LDST);
    EXPECT_OK(copy_2d_host_array(1, values, SW * 4, array, 0, 0, SW * 4, SH, cuMemcpy2D_v2));
    CUDA_RESOURCE_DESC resource;
    memset(&resource, 0, sizeof resource);
    resource.resType = CU_RESOURCE_TYPE_ARRAY;
    resource.res.array.hArray = array;
    CUsurfObject surface = 0;
    EXPECT_OK(cuSurfObjectCreate(&surface, &resource));
    CUDA_RESOURCE_DESC kept;
    EXPECT_OK(cuSurfObjectGetResourceDesc(&kept, surface));
    EXPECT(kept.res.array.hArray == array);
    if (with_kernels) {
        int w = SW, h = SH;
        void *arguments[] = {&surface, &w, &h};
        EXPECT_OK(launch(update, arguments));
        EXPECT_OK(cuCtxSynchronize());
        EXPECT_OK(copy_2d_host_array(0, back, WIDE * 4, array, 0, 0, SW * 4, SH, cuMemcpy2D_v2));
        int same = 1;
        for (int y = 0; y < SH; y++)
            for (int x = 0; x < SW; x++)
                if (back[y * WIDE + x] != values[y * SW + x] * 0.5f + 1.0f)
                    same = 0;
        EXPECT(same);
    }
    EXPECT_OK(cuSurfObjectDestroy(surface));
    EXPECT(cuSurfObjectDestroy(surface) == CUDA_ERROR_INVALID_VALUE);
    /* As driver 580 does, an array made without SURFACE_LDST takes a surface too; only arrays do. */
    CUarray plain = make_array(4, 4, 0, CU_AD_FORMAT_FLOAT, 1, 0);
    resource.res.array.hArray = plain;
    EXPECT_OK(cuSurfObjectCreate(&surface, &resource));
    EXPECT_OK(cuSurfObjectDestroy(surface));
    resource.resType = CU_RESOURCE_TYPE_LINEAR;
    EXPECT(cuSurfObjectCreate(&surface, &resource) == CUDA_ERROR_INVALID_VALUE);
    EXPECT_OK(cuArrayDestroy(plain));
    EXPECT_OK(cuArrayDestroy(array));
}

int main(void)
{
    const char *no_kernels = getenv("ORION_TEST_NO_KERNELS");
    int with_kernels = no_kernels == NULL || *no_kernels == '\0';
    CUcontext context = NULL;
    CUstream stream = NULL;
    CUarray array = NULL;
    CUDA_ARRAY3D_DESCRIPTOR descriptor = {4, 4, 0, CU_AD_FORMAT_FLOAT, 1, 0};
    EXPECT(cuArray3DCreate_v2(&array, &descriptor) == CUDA_ERROR_NOT_INITIALIZED);
    EXPECT_OK(cuInit(0));
    EXPECT_OK(cuDevicePrimaryCtxRetain(&context, 0));
    EXPECT_OK(cuCtxSetCurrent(context));
    EXPECT_OK(cuStreamCreate(&stream, 0));

    CUmodule module = NULL;
    CUfunction sample = NULL, update = NULL;
    if (with_kernels) {
        EXPECT_OK(cuModuleLoadData(&module, fatbin));
        EXPECT_OK(cuModuleGetFunction(&sample, module, "orion_test_texture_sample"));
        EXPECT_OK(cuModuleGetFunction(&update, module, "orion_test_surface_update"));
    }
    arrays_and_2d_copies(stream);
    three_dimensional_copies(stream);
    byte_offset_copies(stream);
    refused_shapes();
    texture_objects(with_kernels, sample);
    surface_objects(with_kernels, update);
    if (module != NULL)
        EXPECT_OK(cuModuleUnload(module));
    EXPECT_OK(cuStreamDestroy_v2(stream));
    EXPECT_OK(cuCtxSynchronize());

    if (failures != 0) {
        fprintf(stderr, "%d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("PASS %d checks, %s\n", checks, with_kernels ? "with kernels" : "without kernels");
    return 0;
}
