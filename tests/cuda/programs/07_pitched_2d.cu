#include <cstring>
#include <vector>
#include "check.h"

__global__ void scale_rows(float *data, size_t pitch, int width, int height)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < width && y < height) {
        float *row = (float *)((char *)data + y * pitch);
        row[x] = row[x] * (y + 1) + x;
    }
}

int main()
{
    const int width = 300, height = 77;
    std::vector<float> host(width * height), back(width * height);
    for (int i = 0; i < width * height; i++)
        host[i] = (float)(i % 97);
    float *device;
    size_t pitch = 0;
    CHECK(cudaMallocPitch((void **)&device, &pitch, width * sizeof(float), height));
    std::printf("pitch_ok=%d pitch_aligned=%d\n", pitch >= width * sizeof(float), pitch % 128 == 0);
    CHECK(cudaMemset2D(device, pitch, 0, pitch, height));
    CHECK(cudaMemcpy2D(device, pitch, host.data(), width * sizeof(float), width * sizeof(float), height,
                       cudaMemcpyHostToDevice));
    scale_rows<<<dim3((width + 31) / 32, (height + 7) / 8), dim3(32, 8)>>>(device, pitch, width, height);
    CHECK(cudaGetLastError());
    CHECK(cudaMemcpy2D(back.data(), width * sizeof(float), device, pitch, width * sizeof(float), height,
                       cudaMemcpyDeviceToHost));
    int wrong = 0;
    double sum = 0;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            float expected = host[y * width + x] * (y + 1) + x;
            wrong += back[y * width + x] != expected;
            sum += back[y * width + x];
        }
    std::printf("2d wrong=%d sum=%.1f\n", wrong, sum);
    // Device-to-device 2D copy of a sub-rectangle, then a 2D memset of a band to 0xff bytes.
    float *second;
    size_t pitch2 = 0;
    CHECK(cudaMallocPitch((void **)&second, &pitch2, 64 * sizeof(float), 10));
    CHECK(cudaMemcpy2D(second, pitch2, (char *)device + 5 * pitch + 10 * sizeof(float), pitch, 64 * sizeof(float),
                       10, cudaMemcpyDeviceToDevice));
    CHECK(cudaMemset2DAsync(second, pitch2, 0xff, 4 * sizeof(float), 10, 0));
    std::vector<float> sub(64 * 10);
    CHECK(cudaMemcpy2DAsync(sub.data(), 64 * sizeof(float), second, pitch2, 64 * sizeof(float), 10,
                            cudaMemcpyDeviceToHost, 0));
    CHECK(cudaDeviceSynchronize());
    unsigned int bits;
    memcpy(&bits, &sub[0], sizeof bits);
    std::printf("sub[0]=0x%08x sub[4]=%.1f sub[9*64+63]=%.1f\n", bits, sub[4], sub[9 * 64 + 63]);
    REPORT("width beyond pitch", cudaMemcpy2D(second, 16, host.data(), 16, 32, 2, cudaMemcpyHostToDevice));
    CHECK(cudaGetLastError() == cudaErrorInvalidPitchValue ? cudaSuccess : cudaErrorUnknown);
    CHECK(cudaFree(device));
    CHECK(cudaFree(second));
    return wrong != 0;
}
