using Orion.Gpu.Smoke;
using Orion.Gpu.Tests;

// Usage: Orion.Gpu.Smoke [path/to/orion_mixed.fatbin]
// Exercises the CUDA driver bindings, then the CUDA driver backend, on the GPU (scripts/gpu-test.sh runs it).
string? fatbinPath = args.Length > 0 ? args[0] : null;
var runner = new CheckRunner();
using (var checks = new DriverChecks(runner, fatbinPath))
{
    checks.RunAll(beforeFault: () =>
    {
        new BackendChecks(runner, fatbinPath).RunAll();
        new BackendPoolChecks(runner).RunAll();
        new BackendVirtualMemoryChecks(runner).RunAll();
        new ArrayBackendChecks(runner).RunAll();
    });
}

Console.WriteLine($"SMOKE {(runner.AllPassed ? "OK" : "FAILED")}: {runner.Summary}");
return runner.AllPassed ? 0 : 1;
