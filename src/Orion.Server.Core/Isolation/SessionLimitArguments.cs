using System.Globalization;

namespace Orion.Server.Core.Isolation;

/// <summary>
/// Session limits on a worker's command line: one <c>name=value</c> per limit that is not its default,
/// so a worker's session is held to exactly what the supervisor's would be.
/// </summary>
internal static class SessionLimitArguments
{
    public static IEnumerable<string> Format(SessionLimits limits)
    {
        var defaults = SessionLimits.Default;
        if (limits.MemoryQuotaBytes is { } quota)
        {
            yield return Pair("memory-quota-bytes", quota);
        }
        if (limits.MaxAllocations != defaults.MaxAllocations)
        {
            yield return Pair("allocations", (ulong)limits.MaxAllocations);
        }
        if (limits.MaxStreams != defaults.MaxStreams)
        {
            yield return Pair("streams", (ulong)limits.MaxStreams);
        }
        if (limits.MaxEvents != defaults.MaxEvents)
        {
            yield return Pair("events", (ulong)limits.MaxEvents);
        }
        if (limits.MaxModules != defaults.MaxModules)
        {
            yield return Pair("modules", (ulong)limits.MaxModules);
        }
        if (limits.MaxModuleImageBytes != defaults.MaxModuleImageBytes)
        {
            yield return Pair("module-image-bytes", (ulong)limits.MaxModuleImageBytes);
        }
        if (limits.MaxUnauthenticatedMessageBytes != defaults.MaxUnauthenticatedMessageBytes)
        {
            yield return Pair("unauthenticated-message-bytes", (ulong)limits.MaxUnauthenticatedMessageBytes);
        }
    }

    /// <summary><paramref name="limits"/> with the one <c>name=value</c> applied; false for an unknown name or a bad value.</summary>
    public static bool TryApply(SessionLimits limits, string argument, out SessionLimits applied)
    {
        applied = limits;
        var separator = argument.IndexOf('=', StringComparison.Ordinal);
        if (separator <= 0 || !ulong.TryParse(argument.AsSpan(separator + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value == 0)
        {
            return false;
        }
        var count = (int)Math.Min(value, int.MaxValue);
        applied = argument[..separator] switch
        {
            "memory-quota-bytes" => limits with { MemoryQuotaBytes = value },
            "allocations" => limits with { MaxAllocations = count },
            "streams" => limits with { MaxStreams = count },
            "events" => limits with { MaxEvents = count },
            "modules" => limits with { MaxModules = count },
            "module-image-bytes" => limits with { MaxModuleImageBytes = (long)Math.Min(value, long.MaxValue) },
            "unauthenticated-message-bytes" => limits with { MaxUnauthenticatedMessageBytes = count },
            _ => limits,
        };
        return !ReferenceEquals(applied, limits);
    }

    private static string Pair(string name, ulong value) => name + "=" + value.ToString(CultureInfo.InvariantCulture);
}
