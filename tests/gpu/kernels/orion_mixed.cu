// Orion GPU test kernel in CUDA C, built on the GPU host into a fatbin:
//   nvcc -fatbin -gencode arch=compute_90,code=[sm_90,compute_90] orion_mixed.cu -o orion_mixed.fatbin
// Same contract as orion_mixed.ptx (hand-written PTX): the __f*_rn intrinsics keep the
// arithmetic free of FMA contraction so the host reference matches bit for bit.

struct OrionMixedParams
{
    float scale;
    int offset;
    double bias;
};

extern "C" {

__device__ unsigned int orion_launch_count = 0;

__global__ void orion_mixed(const float* x, float* y, int n, float a, OrionMixedParams p, unsigned char flag)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i == 0) {
        atomicAdd(&orion_launch_count, 1u);
    }
    if (i < n) {
        float t = __fmul_rn(x[i], a);
        t = __fmul_rn(t, p.scale);
        t = __fadd_rn(t, (float)p.offset);
        t = __fadd_rn(t, (float)p.bias);
        t = __fadd_rn(t, (float)flag);
        y[i] = t;
    }
}

// Writes its own global index into out[i]: used by the smoke test to fault on purpose (a wild
// pointer) and by stream tests as a cheap kernel.
__global__ void orion_iota(unsigned int* out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        out[i] = (unsigned int)i;
    }
}

}
