// libs:
// CUDA arrays and texture objects: a float cudaArray filled with cudaMemcpy2DToArray, read back
// with cudaMemcpy2DFromArray, then sampled by tex2D through two texture objects, one with point
// filtering (must equal the data) and one with bilinear filtering at quarter-texel offsets
// (compared with a CPU bilinear interpolation; the hardware uses 8-bit weight fractions, which
// represent 0.25/0.75 exactly).
#include <cmath>
#include <vector>
#include "lib_check.h"

__global__ void sample(cudaTextureObject_t tex, float *out, int w, int h, float dx, float dy)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < w && y < h)
        out[y * w + x] = tex2D<float>(tex, x + 0.5f + dx, y + 0.5f + dy);
}

static cudaTextureObject_t make_tex(cudaArray_t arr, cudaTextureFilterMode filter)
{
    cudaResourceDesc res = {};
    res.resType = cudaResourceTypeArray;
    res.res.array.array = arr;
    cudaTextureDesc td = {};
    td.addressMode[0] = cudaAddressModeClamp;
    td.addressMode[1] = cudaAddressModeClamp;
    td.filterMode = filter;
    td.readMode = cudaReadModeElementType;
    td.normalizedCoords = 0;
    cudaTextureObject_t tex = 0;
    CHECK_CUDA(cudaCreateTextureObject(&tex, &res, &td, nullptr));
    return tex;
}

int main()
{
    const int W = 67, H = 45; // odd sizes: the host pitch (W floats) differs from the array's
    std::vector<float> img(W * H), back(W * H), pt(W * H), lin(W * H);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) img[y * W + x] = (float)((x * 7 + y * 13) % 32) / 4.0f;

    cudaChannelFormatDesc desc = cudaCreateChannelDesc<float>();
    cudaArray_t arr;
    CHECK_CUDA(cudaMallocArray(&arr, &desc, W, H));
    CHECK_CUDA(cudaMemcpy2DToArray(arr, 0, 0, img.data(), W * sizeof(float), W * sizeof(float), H,
                                   cudaMemcpyHostToDevice));
    CHECK_CUDA(cudaMemcpy2DFromArray(back.data(), W * sizeof(float), arr, 0, 0, W * sizeof(float), H,
                                     cudaMemcpyDeviceToHost));
    bool copy_ok = back == img;

    float *dOut;
    CHECK_CUDA(cudaMalloc(&dOut, W * H * sizeof(float)));
    dim3 block(16, 8), grid((W + 15) / 16, (H + 7) / 8);

    cudaTextureObject_t texPoint = make_tex(arr, cudaFilterModePoint);
    sample<<<grid, block>>>(texPoint, dOut, W, H, 0.0f, 0.0f);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaMemcpy(pt.data(), dOut, W * H * sizeof(float), cudaMemcpyDeviceToHost));
    bool point_ok = pt == img;

    const float dx = 0.25f, dy = 0.75f;
    cudaTextureObject_t texLin = make_tex(arr, cudaFilterModeLinear);
    sample<<<grid, block>>>(texLin, dOut, W, H, dx, dy);
    CHECK_CUDA(cudaGetLastError());
    CHECK_CUDA(cudaMemcpy(lin.data(), dOut, W * H * sizeof(float), cudaMemcpyDeviceToHost));
    double lin_err = 0, lin_sum = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            // Sample point (x+dx, y+dy) in texel-centre coordinates, clamped at the edges.
            auto at = [&](int xx, int yy) {
                xx = xx < 0 ? 0 : (xx >= W ? W - 1 : xx);
                yy = yy < 0 ? 0 : (yy >= H ? H - 1 : yy);
                return (double)img[yy * W + xx];
            };
            double v = (1 - dx) * (1 - dy) * at(x, y) + dx * (1 - dy) * at(x + 1, y) +
                       (1 - dx) * dy * at(x, y + 1) + dx * dy * at(x + 1, y + 1);
            lin_err = std::fmax(lin_err, std::fabs(v - lin[y * W + x]));
            lin_sum += lin[y * W + x];
        }
    bool lin_ok = lin_err < 1e-3;

    std::printf("array round trip %dx%d: %s\n", W, H, copy_ok ? "yes" : "no");
    std::printf("point filter equals data: %s (t[1][2]=%.3f)\n", point_ok ? "yes" : "no", pt[1 * W + 2]);
    std::printf("linear filter: t[0][0]=%.3f t[10][20]=%.3f t[44][66]=%.3f sum=%.3f max_err<1e-3: %s\n",
                lin[0], lin[10 * W + 20], lin[44 * W + 66], lin_sum, lin_ok ? "yes" : "no");

    CHECK_CUDA(cudaDestroyTextureObject(texPoint));
    CHECK_CUDA(cudaDestroyTextureObject(texLin));
    CHECK_CUDA(cudaFreeArray(arr));
    CHECK_CUDA(cudaFree(dOut));
    return lib_finish("12_texture_object", copy_ok && point_ok && lin_ok);
}
