#include "check.h"

// Prints the properties that describe the GPU itself. Orion reports host-side facts of its own
// (canMapHostMemory, managedMemory, pageableMemoryAccess, ...); docs/cudart.md lists them.
int main()
{
    int count = 0, runtime = 0;
    CHECK(cudaGetDeviceCount(&count));
    CHECK(cudaRuntimeGetVersion(&runtime));
    std::printf("devices>=1: %d runtime=%d\n", count >= 1, runtime);
    cudaDeviceProp p;
    CHECK(cudaGetDeviceProperties(&p, 0));
    std::printf("name=%s\n", p.name);
    std::printf("cc=%d.%d sms=%d warp=%d\n", p.major, p.minor, p.multiProcessorCount, p.warpSize);
    std::printf("totalGlobalMem=%zu totalConstMem=%zu\n", p.totalGlobalMem, p.totalConstMem);
    std::printf("sharedMemPerBlock=%zu optin=%zu perSM=%zu reserved=%zu\n", p.sharedMemPerBlock,
                p.sharedMemPerBlockOptin, p.sharedMemPerMultiprocessor, p.reservedSharedMemPerBlock);
    std::printf("regsPerBlock=%d regsPerSM=%d\n", p.regsPerBlock, p.regsPerMultiprocessor);
    std::printf("maxThreadsPerBlock=%d dims=%d,%d,%d grid=%d,%d,%d\n", p.maxThreadsPerBlock, p.maxThreadsDim[0],
                p.maxThreadsDim[1], p.maxThreadsDim[2], p.maxGridSize[0], p.maxGridSize[1], p.maxGridSize[2]);
    std::printf("maxThreadsPerSM=%d maxBlocksPerSM=%d\n", p.maxThreadsPerMultiProcessor,
                p.maxBlocksPerMultiProcessor);
    std::printf("l2=%d persistingL2Max=%d busWidth=%d\n", p.l2CacheSize, p.persistingL2CacheMaxSize,
                p.memoryBusWidth);
    std::printf("memPitch=%zu textureAlignment=%zu texturePitchAlignment=%zu surfaceAlignment=%zu\n", p.memPitch,
                p.textureAlignment, p.texturePitchAlignment, p.surfaceAlignment);
    std::printf("maxTexture1D=%d maxTexture2D=%d,%d maxTexture3D=%d,%d,%d\n", p.maxTexture1D, p.maxTexture2D[0],
                p.maxTexture2D[1], p.maxTexture3D[0], p.maxTexture3D[1], p.maxTexture3D[2]);
    std::printf("concurrentKernels=%d asyncEngines=%d ecc=%d unifiedAddressing=%d\n", p.concurrentKernels,
                p.asyncEngineCount, p.ECCEnabled, p.unifiedAddressing);
    std::printf("cooperativeLaunch=%d clusterLaunch=%d streamPriorities=%d\n", p.cooperativeLaunch, p.clusterLaunch,
                p.streamPrioritiesSupported);
    std::printf("globalL1=%d localL1=%d preemption=%d\n", p.globalL1CacheSupported, p.localL1CacheSupported,
                p.computePreemptionSupported);
    int value = 0;
    CHECK(cudaDeviceGetAttribute(&value, cudaDevAttrMultiProcessorCount, 0));
    std::printf("attr sms=%d\n", value);
    CHECK(cudaDeviceGetAttribute(&value, cudaDevAttrComputeCapabilityMajor, 0));
    std::printf("attr major=%d\n", value);
    REPORT("properties of device 99", cudaGetDeviceProperties(&p, 99));
    REPORT("set device 99", cudaSetDevice(99));
    cudaGetLastError();
    int device = -1;
    CHECK(cudaGetDevice(&device));
    std::printf("current device=%d\n", device);
    return 0;
}
