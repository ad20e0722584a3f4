using System.Runtime.InteropServices;
using System.Text;
using Orion.Gpu.Tests;
using Orion.Server.Core.Backend.Cuda;
using Orion.Server.Core.Backend.Cuda.Interop;

namespace Orion.Gpu.Smoke;

/// <summary>Module, launch and error checks.</summary>
internal sealed unsafe partial class DriverChecks
{
    private const int FuncAttributeMaxThreadsPerBlock = 0;
    private const int FuncAttributeNumRegs = 4;
    private const int FuncAttributeMaxDynamicSharedBytes = 8;
    private const int CachePreferL1 = 2;

    private static string CheckModule(byte[] image, string label)
    {
        nint module;
        fixed (byte* i = image)
        {
            Expect.Ok(CudaDriverApi.ModuleLoadData(&module, i), $"cuModuleLoadData({label})");
        }

        try
        {
            nint function = GetFunction(module, MixedKernel.Name);
            var layout = ReadParameterLayout(function);
            Expect.Equal(
                string.Join(" ", MixedKernel.ExpectedLayout),
                string.Join(" ", layout),
                "parameter layout (offset,size)");

            int maxThreads, registers, blocksPerSm;
            Expect.Ok(CudaDriverApi.FuncGetAttribute(&maxThreads, FuncAttributeMaxThreadsPerBlock, function), "cuFuncGetAttribute");
            Expect.Ok(CudaDriverApi.FuncGetAttribute(&registers, FuncAttributeNumRegs, function), "cuFuncGetAttribute");
            Expect.Ok(CudaDriverApi.FuncSetAttribute(function, FuncAttributeMaxDynamicSharedBytes, 1024), "cuFuncSetAttribute");
            Expect.Ok(CudaDriverApi.FuncSetCacheConfig(function, CachePreferL1), "cuFuncSetCacheConfig");
            Expect.Ok(CudaDriverApi.OccupancyMaxActiveBlocksPerMultiprocessorWithFlags(&blocksPerSm, function, BlockSize, 0, 0), "cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags");
            Expect.True(maxThreads >= BlockSize && blocksPerSm > 0, $"max threads {maxThreads}, blocks/SM {blocksPerSm}");

            ulong counter;
            nuint counterSize;
            byte[] counterName = Encoding.ASCII.GetBytes(MixedKernel.CounterName + "\0");
            fixed (byte* n = counterName)
            {
                Expect.Ok(CudaDriverApi.ModuleGetGlobal(&counter, &counterSize, module, n), "cuModuleGetGlobal_v2");
            }

            Expect.Equal((nuint)4, counterSize, "global size");
            Expect.Ok(CudaDriverApi.MemsetD32(counter, 0, 1), "cuMemsetD32_v2");

            string launches = RunMixedKernel(function);
            uint launchCount;
            Expect.Ok(CudaDriverApi.MemcpyDtoH(&launchCount, counter, 4), "cuMemcpyDtoH_v2");
            Expect.Equal(2u, launchCount, "orion_launch_count after two launches");
            return $"{label} ({image.Length} bytes): layout {string.Join(" ", layout)}; {registers} regs, " +
                   $"{blocksPerSm} blocks/SM at {BlockSize}; {launches}; global counter = 2";
        }
        finally
        {
            Expect.Ok(CudaDriverApi.ModuleUnload(module), "cuModuleUnload");
        }
    }

    private static nint GetFunction(nint module, string name)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(name + "\0");
        nint function;
        fixed (byte* n = bytes)
        {
            Expect.Ok(CudaDriverApi.ModuleGetFunction(&function, module, n), $"cuModuleGetFunction({name})");
        }

        return function;
    }

    private static List<(int Offset, int Size)> ReadParameterLayout(nint function)
    {
        var layout = new List<(int, int)>();
        for (nuint index = 0; index < 64; index++)
        {
            nuint offset, size;
            CudaStatus result = CudaDriverApi.FuncGetParamInfo(function, index, &offset, &size);
            if (result == CudaStatus.InvalidValue)
            {
                // One past the last parameter: this is how the driver says "no more".
                return layout;
            }

            Expect.Ok(result, "cuFuncGetParamInfo");
            layout.Add(((int)offset, (int)size));
        }

        throw new InvalidOperationException("more than 64 parameters reported");
    }

    /// <summary>Launches orion_mixed twice (argument pointers, then one packed buffer) and checks both.</summary>
    private static string RunMixedKernel(nint function)
    {
        int n = (1 << 20) + 3; // not a multiple of the block: the bounds check matters
        float a = 1.5f;
        var p = new MixedParams { Scale = 0.75f, Offset = -3, Bias = 0.125 + 1e-9 };
        byte flag = 5;
        float[] x = new float[n];
        float[] expected = new float[n];
        float[] actual = new float[n];
        var random = new Random(1234);
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)((random.NextDouble() * 2000.0) - 1000.0);
            expected[i] = MixedKernel.Reference(x[i], a, p, flag);
        }

        nuint bytes = (nuint)n * 4;
        ulong dx, dy;
        Expect.Ok(CudaDriverApi.MemAlloc(&dx, bytes), "cuMemAlloc_v2");
        Expect.Ok(CudaDriverApi.MemAlloc(&dy, bytes), "cuMemAlloc_v2");
        try
        {
            uint grid = (uint)((n + BlockSize - 1) / BlockSize);
            fixed (float* hx = x)
            fixed (float* hy = actual)
            {
                Expect.Ok(CudaDriverApi.MemcpyHtoD(dx, hx, bytes), "cuMemcpyHtoD_v2");

                // 1) kernelParams: one pointer per parameter.
                void** args = stackalloc void*[6];
                args[0] = &dx;
                args[1] = &dy;
                args[2] = &n;
                args[3] = &a;
                args[4] = &p;
                args[5] = &flag;
                Expect.Ok(CudaDriverApi.LaunchKernel(function, grid, 1, 1, BlockSize, 1, 1, 0, 0, args, null), "cuLaunchKernel(kernelParams)");
                Expect.Ok(CudaDriverApi.CtxSynchronize(), "cuCtxSynchronize");
                Expect.Ok(CudaDriverApi.MemcpyDtoH(hy, dy, bytes), "cuMemcpyDtoH_v2");
                Expect.SameBits(expected, actual, "kernelParams launch vs host");

                // 2) extra: the packed buffer the wire protocol carries, laid out by cuFuncGetParamInfo.
                Expect.Ok(CudaDriverApi.MemsetD32(dy, 0, (nuint)n), "cuMemsetD32_v2");
                byte* packed = stackalloc byte[48];
                new Span<byte>(packed, 48).Clear();
                *(ulong*)(packed + 0) = dx;
                *(ulong*)(packed + 8) = dy;
                *(int*)(packed + 16) = n;
                *(float*)(packed + 20) = a;
                *(MixedParams*)(packed + 24) = p;
                packed[40] = flag;
                nuint packedSize = MixedKernel.PackedSize;
                void** extra = stackalloc void*[5];
                extra[0] = (void*)1; // CU_LAUNCH_PARAM_BUFFER_POINTER
                extra[1] = packed;
                extra[2] = (void*)2; // CU_LAUNCH_PARAM_BUFFER_SIZE
                extra[3] = &packedSize;
                extra[4] = null;     // CU_LAUNCH_PARAM_END
                Expect.Ok(CudaDriverApi.LaunchKernel(function, grid, 1, 1, BlockSize, 1, 1, 0, 0, null, extra), "cuLaunchKernel(extra)");
                Expect.Ok(CudaDriverApi.CtxSynchronize(), "cuCtxSynchronize");
                Expect.Ok(CudaDriverApi.MemcpyDtoH(hy, dy, bytes), "cuMemcpyDtoH_v2");
                Expect.SameBits(expected, actual, "packed-buffer launch vs host");
            }

            return $"{n} elements bit-identical to host for both launch forms";
        }
        finally
        {
            Expect.Ok(CudaDriverApi.MemFree(dx), "cuMemFree_v2");
            Expect.Ok(CudaDriverApi.MemFree(dy), "cuMemFree_v2");
        }
    }

    private static string CheckErrors()
    {
        var seen = new List<string>();
        nint module;
        byte[] ptx = Encoding.ASCII.GetBytes(MixedKernel.LoadPtx() + "\0");
        fixed (byte* i = ptx)
        {
            Expect.Ok(CudaDriverApi.ModuleLoadData(&module, i), "cuModuleLoadData");
        }

        try
        {
            nint function;
            byte[] missing = "no_such_kernel\0"u8.ToArray();
            fixed (byte* n = missing)
            {
                CudaStatus result = CudaDriverApi.ModuleGetFunction(&function, module, n);
                Expect.Status(CudaStatus.NotFound, result, "unknown function");
                Expect.Equal("CUDA_ERROR_NOT_FOUND", CudaDriverErrors.Name(result), "error name");
                seen.Add(CudaDriverErrors.Describe(result));
            }

            function = GetFunction(module, MixedKernel.Name);
            CudaStatus tooBig = CudaDriverApi.LaunchKernel(function, 1, 1, 1, 4096, 1, 1, 0, 0, null, null);
            Expect.True(tooBig != CudaStatus.Success, "launch with 4096 threads per block succeeded");
            seen.Add("4096-thread block: " + CudaDriverErrors.Name(tooBig));
        }
        finally
        {
            Expect.Ok(CudaDriverApi.ModuleUnload(module), "cuModuleUnload");
        }

        ulong huge;
        CudaStatus oom = CudaDriverApi.MemAlloc(&huge, (nuint)1 << 50);
        Expect.Status(CudaStatus.OutOfMemory, oom, "1 PiB allocation");
        seen.Add(CudaDriverErrors.Name(oom));

        byte[] garbage = "this is not a module image\0"u8.ToArray();
        fixed (byte* g = garbage)
        {
            CudaStatus bad = CudaDriverApi.ModuleLoadData(&module, g);
            Expect.True(bad != CudaStatus.Success, "garbage image loaded");
            seen.Add("garbage image: " + CudaDriverErrors.Name(bad));
        }

        CudaStatus badFree = CudaDriverApi.MemFree(0xDEAD0000);
        Expect.True(badFree != CudaStatus.Success, "freeing a wild pointer succeeded");
        seen.Add("wild free: " + CudaDriverErrors.Name(badFree));

        // None of the above is sticky: the context still works.
        ulong probe;
        Expect.Ok(CudaDriverApi.MemAlloc(&probe, 4096), "cuMemAlloc_v2 after errors");
        Expect.Ok(CudaDriverApi.MemFree(probe), "cuMemFree_v2");
        Expect.Equal("CUresult 123456", CudaDriverErrors.Name((CudaStatus)123456), "unknown code name");
        return string.Join("; ", seen);
    }
}
