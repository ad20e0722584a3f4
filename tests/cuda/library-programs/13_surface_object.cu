// libs:
// Surface objects: a cudaArray allocated with cudaArraySurfaceLoadStore is written by one kernel
// (surf2Dwrite, x in bytes), updated in place by a second (surf2Dread + surf2Dwrite), and copied
// back with cudaMemcpy2DFromArray into a host buffer with a wider pitch than the row.
#include <vector>
#include "lib_check.h"

__device__ float pattern(int x, int y) { return (float)(x * 3 + y * 1000); }

__global__ void fill(cudaSurfaceObject_t s, int w, int h)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < w && y < h)
        surf2Dwrite(pattern(x, y), s, x * (int)sizeof(float), y);
}

__global__ void update(cudaSurfaceObject_t s, int w, int h)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < w && y < h) {
        float v = surf2Dread<float>(s, x * (int)sizeof(float), y);
        surf2Dwrite(v * 0.5f + 1.0f, s, x * (int)sizeof(float), y);
    }
}

int main()
{
    const int W = 100, H = 60, PITCH = 128; // host pitch in floats, wider than a row
    cudaChannelFormatDesc desc = cudaCreateChannelDesc<float>();
    cudaArray_t arr;
    CHECK_CUDA(cudaMallocArray(&arr, &desc, W, H, cudaArraySurfaceLoadStore));
    cudaResourceDesc res = {};
    res.resType = cudaResourceTypeArray;
    res.res.array.array = arr;
    cudaSurfaceObject_t surf = 0;
    CHECK_CUDA(cudaCreateSurfaceObject(&surf, &res));

    dim3 block(32, 8), grid((W + 31) / 32, (H + 7) / 8);
    fill<<<grid, block>>>(surf, W, H);
    CHECK_CUDA(cudaGetLastError());
    std::vector<float> host(PITCH * H, -7.0f);
    CHECK_CUDA(cudaMemcpy2DFromArray(host.data(), PITCH * sizeof(float), arr, 0, 0, W * sizeof(float), H,
                                     cudaMemcpyDeviceToHost));
    bool fill_ok = true, pad_ok = true;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < PITCH; x++) {
            float v = host[y * PITCH + x];
            if (x < W && v != (float)(x * 3 + y * 1000)) fill_ok = false;
            if (x >= W && v != -7.0f) pad_ok = false;
        }

    update<<<grid, block>>>(surf, W, H);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaMemcpy2DFromArray(host.data(), PITCH * sizeof(float), arr, 0, 0, W * sizeof(float), H,
                                     cudaMemcpyDeviceToHost));
    bool upd_ok = true;
    double sum = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float v = host[y * PITCH + x];
            if (v != (float)(x * 3 + y * 1000) * 0.5f + 1.0f) upd_ok = false;
            sum += v;
        }

    // A sub-rectangle copy: columns 10..19 of rows 5..7.
    std::vector<float> sub(10 * 3);
    CHECK_CUDA(cudaMemcpy2DFromArray(sub.data(), 10 * sizeof(float), arr, 10 * sizeof(float), 5,
                                     10 * sizeof(float), 3, cudaMemcpyDeviceToHost));
    bool sub_ok = true;
    for (int r = 0; r < 3; r++)
        for (int c = 0; c < 10; c++)
            if (sub[r * 10 + c] != (float)((10 + c) * 3 + (5 + r) * 1000) * 0.5f + 1.0f) sub_ok = false;

    std::printf("surface fill %dx%d: %s, host padding untouched: %s\n", W, H, fill_ok ? "yes" : "no",
                pad_ok ? "yes" : "no");
    std::printf("surface read-modify-write: %s, v[59][99]=%.1f sum=%.1f\n", upd_ok ? "yes" : "no",
                host[59 * PITCH + 99], sum);
    std::printf("sub-rectangle copy: %s, sub[0]=%.1f\n", sub_ok ? "yes" : "no", sub[0]);

    CHECK_CUDA(cudaDestroySurfaceObject(surf));
    CHECK_CUDA(cudaFreeArray(arr));
    return lib_finish("13_surface_object", fill_ok && pad_ok && upd_ok && sub_ok);
}
