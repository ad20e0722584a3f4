using System.Diagnostics;

namespace Orion.Gpu.Tests;

/// <summary>Runs named checks, prints one PASS/FAIL line each, and remembers whether any failed.</summary>
internal sealed class CheckRunner
{
    private int _passed;
    private int _failed;

    public bool AllPassed => _failed == 0;

    public string Summary => $"{_passed} passed, {_failed} failed";

    /// <summary>Runs <paramref name="check"/>; it returns a detail line or throws to fail.</summary>
    public bool Run(string name, Func<string> check)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            string detail = check();
            _passed++;
            Console.WriteLine($"PASS {name} ({watch.Elapsed.TotalMilliseconds:F1} ms): {detail}");
            return true;
        }
#pragma warning disable CA1031 // a GPU test program reports every failure and goes on with the next check
        catch (Exception e)
#pragma warning restore CA1031
        {
            _failed++;
            Console.WriteLine($"FAIL {name} ({watch.Elapsed.TotalMilliseconds:F1} ms): {e.GetType().Name}: {e.Message}");
            return false;
        }
    }
}
