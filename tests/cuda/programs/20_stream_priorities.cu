#include "check.h"

__global__ void spin(int *flag, long long rounds)
{
    long long acc = 0;
    for (long long i = 0; i < rounds; i++)
        acc += i ^ (acc >> 3);
    if (acc == 42)
        flag[1] = 1; // practically never; keeps the loop alive
    flag[0] = 1;
}

int main()
{
    int least = 0, greatest = 0;
    CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest));
    std::printf("priority range least=%d greatest=%d\n", least, greatest);
    cudaStream_t high, low;
    CHECK(cudaStreamCreateWithPriority(&high, cudaStreamNonBlocking, greatest));
    CHECK(cudaStreamCreateWithPriority(&low, cudaStreamDefault, least));
    int *flags;
    CHECK(cudaMalloc(&flags, 2 * sizeof(int)));
    CHECK(cudaMemset(flags, 0, 2 * sizeof(int)));
    cudaEvent_t done;
    CHECK(cudaEventCreate(&done));
    spin<<<1, 1, 0, low>>>(flags, 20000000);
    CHECK(cudaEventRecord(done, low));
    // Polling must eventually see completion; the number of polls is not printed (timing).
    int polls = 0;
    cudaError_t status;
    while ((status = cudaEventQuery(done)) == cudaErrorNotReady)
        polls++;
    std::printf("event query final=%s polled=%d\n", cudaGetErrorName(status), polls >= 0);
    std::printf("not-ready is not recorded: %s\n", cudaGetErrorName(cudaGetLastError()));
    spin<<<1, 1, 0, high>>>(flags, 10);
    CHECK(cudaStreamSynchronize(high));
    std::printf("stream query after sync=%s\n", cudaGetErrorName(cudaStreamQuery(high)));
    int host_flags[2];
    CHECK(cudaMemcpy(host_flags, flags, sizeof host_flags, cudaMemcpyDeviceToHost));
    std::printf("flag=%d\n", host_flags[0]);
    REPORT("destroy null stream", cudaStreamDestroy(nullptr));
    cudaGetLastError();
    CHECK(cudaEventDestroy(done));
    CHECK(cudaStreamDestroy(high));
    CHECK(cudaStreamDestroy(low));
    CHECK(cudaFree(flags));
    return 0;
}
