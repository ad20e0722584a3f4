// Device code for the driver-API programs, compiled by nvcc -fatbin into kernels.fatbin.
extern "C" __global__ void scale_add(const float *a, const float *b, float *c, float factor, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        c[i] = a[i] * factor + b[i];
}

extern "C" __global__ void count_calls(int *counter) { atomicAdd(counter, 1); }

__device__ int device_total;
extern "C" __global__ void add_to_total(int value) { atomicAdd(&device_total, value); }
