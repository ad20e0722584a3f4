// A small cuFFT transform, for the driver trace.
#include <cstdio>
#include <cufft.h>
int main()
{
    const int n = 1024;
    cufftComplex *d;
    cudaMalloc(&d, n * sizeof(cufftComplex));
    cudaMemset(d, 0, n * sizeof(cufftComplex));
    cufftHandle plan;
    int s = cufftPlan1d(&plan, n, CUFFT_C2C, 1);
    s |= cufftExecC2C(plan, d, d, CUFFT_FORWARD);
    cudaDeviceSynchronize();
    cufftDestroy(plan);
    std::printf("cufft status %d\n", s);
    return s;
}
