namespace Orion.Server.Core.VGpus;

/// <summary>
/// Builds <see cref="VGpuOptions"/> from the three places a host takes settings from, lowest first: an appsettings-style
/// JSON file (<see cref="VGpuConfigurationFile"/>'s format), the environment (<see cref="CountsVariable"/>,
/// <see cref="SlicesVariable"/>, <see cref="MemoryOversubscriptionVariable"/>) and the command line, in the text form of
/// <c>--vgpus 0=4</c>, <c>--vgpu-slice 0=24G:30</c> and <c>--memory-oversubscription 1.5</c>. A device named by a later
/// source replaces what the earlier ones said of it; the ratio likewise. The result is validated; any error is a
/// <see cref="VGpuConfigurationException"/> with one line naming the source and the setting.
/// </summary>
public static class VGpuConfiguration
{
    /// <summary>Equal vGPUs from the environment: <c>DEVICE=COUNT</c>, comma-separated (<c>0=4,1=2</c>).</summary>
    public const string CountsVariable = "ORION_VGPUS";

    /// <summary>Explicit vGPUs from the environment: <c>DEVICE=MEMORY[:SHARE]</c>, comma-separated (<c>0=24G:30,0=48G:70</c>).</summary>
    public const string SlicesVariable = "ORION_VGPU_SLICES";

    /// <summary>The memory oversubscription ratio from the environment (<c>1.5</c>).</summary>
    public const string MemoryOversubscriptionVariable = "ORION_MEMORY_OVERSUBSCRIPTION";

    /// <summary>Reads every source and validates the result.</summary>
    /// <param name="configFile">The JSON file, or null for none.</param>
    /// <param name="environment">Reads an environment variable (<see cref="Environment.GetEnvironmentVariable(string)"/>, or a test's table).</param>
    /// <param name="counts">The command line's <c>--vgpus</c> values (each <c>DEVICE=COUNT</c>, or several comma-separated).</param>
    /// <param name="slices">The command line's <c>--vgpu-slice</c> values (each <c>DEVICE=MEMORY[:SHARE]</c>, or several).</param>
    /// <param name="memoryOversubscription">The command line's <c>--memory-oversubscription</c>, or null.</param>
    public static VGpuOptions Build(
        string? configFile,
        Func<string, string?> environment,
        IEnumerable<string> counts,
        IEnumerable<string> slices,
        string? memoryOversubscription)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(counts);
        ArgumentNullException.ThrowIfNull(slices);
        var options = new VGpuOptions();
        if (!string.IsNullOrEmpty(configFile))
        {
            VGpuConfigurationFile.Read(configFile).ApplyTo(options);
        }

        var fromEnvironment = new VGpuLayer("the environment");
        if (environment(CountsVariable) is { Length: > 0 } countsText)
        {
            VGpuSyntax.AddCounts(fromEnvironment, countsText, CountsVariable);
        }
        if (environment(SlicesVariable) is { Length: > 0 } slicesText)
        {
            VGpuSyntax.AddSlices(fromEnvironment, slicesText, SlicesVariable);
        }
        if (environment(MemoryOversubscriptionVariable) is { Length: > 0 } ratioText)
        {
            fromEnvironment.MemoryOversubscription = VGpuSyntax.ParseRatio(ratioText, MemoryOversubscriptionVariable);
        }
        fromEnvironment.ApplyTo(options);

        var fromCommandLine = new VGpuLayer("the command line");
        foreach (var text in counts)
        {
            VGpuSyntax.AddCounts(fromCommandLine, text, "--vgpus");
        }
        foreach (var text in slices)
        {
            VGpuSyntax.AddSlices(fromCommandLine, text, "--vgpu-slice");
        }
        if (memoryOversubscription is not null)
        {
            fromCommandLine.MemoryOversubscription = VGpuSyntax.ParseRatio(memoryOversubscription, "--memory-oversubscription");
        }
        fromCommandLine.ApplyTo(options);

        options.Validate();
        return options;
    }

    /// <summary>Reads the JSON text of a configuration file (<paramref name="source"/> names it in errors); for hosts that keep it elsewhere.</summary>
    public static VGpuOptions FromJson(string json, string source = "the configuration")
    {
        ArgumentNullException.ThrowIfNull(json);
        var options = new VGpuOptions();
        VGpuConfigurationFile.Parse(json, source).ApplyTo(options);
        options.Validate();
        return options;
    }
}
