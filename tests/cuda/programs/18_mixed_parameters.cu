#include "check.h"

struct Transform {
    float scale;
    int offset;
    double bias;
    char tag;
    short steps[3];
};

__global__ void apply(double *out, const int *in, Transform t, float extra, char flag, long long big,
                      unsigned short small, bool negate)
{
    int i = threadIdx.x;
    double v = in[i] * t.scale + t.offset + t.bias + extra + (flag == 'y') + (double)(big % 1000) + small +
               t.steps[i % 3] + t.tag;
    out[i] = negate ? -v : v;
}

int main()
{
    int host_in[32];
    for (int i = 0; i < 32; i++)
        host_in[i] = i * i;
    int *in;
    double *out;
    CHECK(cudaMalloc(&in, sizeof host_in));
    CHECK(cudaMalloc(&out, 32 * sizeof(double)));
    CHECK(cudaMemcpy(in, host_in, sizeof host_in, cudaMemcpyHostToDevice));
    Transform t = {0.5f, 3, 0.125, 'A', {1, 2, 3}};
    apply<<<1, 32>>>(out, in, t, 2.5f, 'y', 123456789012345LL, 65535, true);
    CHECK(cudaGetLastError());
    double host_out[32];
    CHECK(cudaMemcpy(host_out, out, sizeof host_out, cudaMemcpyDeviceToHost));
    int wrong = 0;
    for (int i = 0; i < 32; i++) {
        double expected = -(host_in[i] * 0.5f + 3 + 0.125 + 2.5f + 1 + 345.0 + 65535 + t.steps[i % 3] + 'A');
        wrong += host_out[i] != expected;
    }
    std::printf("mixed parameters wrong=%d out[0]=%.3f out[31]=%.3f\n", wrong, host_out[0], host_out[31]);
    CHECK(cudaFree(in));
    CHECK(cudaFree(out));
    return wrong != 0;
}
