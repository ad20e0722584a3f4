using Orion.Server.Core.VGpus;

namespace Orion.Server.Core.Tests.VGpus;

/// <summary>
/// vGPU settings from a JSON file, the environment and the command line: each syntax, the order in which sources override
/// each other (device by device), and one-line errors that name the setting.
/// </summary>
public sealed class VGpuConfigurationTests : IDisposable
{
    private const ulong GiB = 1UL << 30;
    private readonly string _directory = Directory.CreateTempSubdirectory("orion-vgpu-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string File(string json)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".json");
        System.IO.File.WriteAllText(path, json);
        return path;
    }

    private static VGpuOptions Build(string? file = null, Dictionary<string, string>? environment = null, string[]? counts = null,
        string[]? slices = null, string? ratio = null) =>
        VGpuConfiguration.Build(file, name => environment?.GetValueOrDefault(name), counts ?? [], slices ?? [], ratio);

    private static string Error(Action action) => Assert.Throws<VGpuConfigurationException>(action).Message;

    [Fact]
    public void Nothing_configured_is_no_vGPUs()
    {
        var options = Build();
        Assert.True(options.IsEmpty);
        Assert.Equal(1.0, options.MemoryOversubscription);
    }

    [Fact]
    public void The_command_line_takes_counts_slices_and_a_ratio()
    {
        var options = Build(counts: ["0=4", "2=2,3=1"], slices: ["1=24G:30", "1=48G:70", "4=512M"], ratio: "1.5");

        Assert.Equal(4, options.Devices[0].Count);
        Assert.Empty(options.Devices[0].Slices);
        Assert.Equal(2, options.Devices[2].Count);
        Assert.Equal(1, options.Devices[3].Count);
        Assert.Equal([new VGpuSliceOptions(24 * GiB, 30), new VGpuSliceOptions(48 * GiB, 70)], options.Devices[1].Slices);
        Assert.Equal([new VGpuSliceOptions(512UL << 20)], options.Devices[4].Slices); // share left to its part of the memory
        Assert.Equal(1.5, options.MemoryOversubscription);
    }

    [Fact]
    public void The_environment_uses_the_same_syntax()
    {
        var options = Build(environment: new()
        {
            ["ORION_VGPUS"] = "0=4, 1=2",
            ["ORION_VGPU_SLICES"] = "2=10G:40%,2=20GiB",
            ["ORION_MEMORY_OVERSUBSCRIPTION"] = "2",
        });
        Assert.Equal(4, options.Devices[0].Count);
        Assert.Equal(2, options.Devices[1].Count);
        Assert.Equal([new VGpuSliceOptions(10 * GiB, 40), new VGpuSliceOptions(20 * GiB)], options.Devices[2].Slices);
        Assert.Equal(2.0, options.MemoryOversubscription);
    }

    [Fact]
    public void A_json_file_in_appsettings_form_is_read_in_any_case_with_comments()
    {
        var file = File("""
            {
              // other sections are someone else's
              "Logging": { "LogLevel": { "Default": "Warning" } },
              "orion": {
                "vgpus": {
                  "MemoryOversubscription": 1.25,
                  "Devices": {
                    "0": { "count": 4 },
                    "1": { "Slices": [ { "Memory": "24G", "Share": 30 }, { "memory": 1073741824 }, ] },
                  }
                }
              }
            }
            """);
        var options = Build(file);
        Assert.Equal(4, options.Devices[0].Count);
        Assert.Equal([new VGpuSliceOptions(24 * GiB, 30), new VGpuSliceOptions(GiB)], options.Devices[1].Slices);
        Assert.Equal(1.25, options.MemoryOversubscription);
        Assert.Equal(options.Devices.Keys, VGpuConfiguration.FromJson(System.IO.File.ReadAllText(file)).Devices.Keys);
    }

    [Fact]
    public void Later_sources_replace_what_earlier_ones_said_of_a_device_and_leave_the_others()
    {
        var file = File("""{ "Orion": { "VGpus": { "MemoryOversubscription": 2, "Devices": { "0": { "Count": 8 }, "1": { "Count": 2 }, "2": { "Count": 2 } } } } }""");
        var options = Build(file,
            environment: new() { ["ORION_VGPU_SLICES"] = "1=10G:50", ["ORION_VGPUS"] = "2=3", ["ORION_MEMORY_OVERSUBSCRIPTION"] = "1.5" },
            counts: ["1=4"]);

        Assert.Equal(8, options.Devices[0].Count); // the file's, untouched
        Assert.Equal(4, options.Devices[1].Count); // the command line's count replaces the environment's slices
        Assert.Empty(options.Devices[1].Slices);
        Assert.Equal(3, options.Devices[2].Count); // the environment's
        Assert.Equal(1.5, options.MemoryOversubscription); // the environment's over the file's
        Assert.Equal(1.1, Build(file, counts: ["0=1"], ratio: "1.1").MemoryOversubscription);
    }

    [Theory]
    [InlineData("0", "--vgpus '0' is not DEVICE=COUNT (e.g. 0=4")]
    [InlineData("x=4", "--vgpus 'x=4' is not DEVICE=COUNT")]
    [InlineData("0=four", "--vgpus '0=four' is not DEVICE=COUNT")]
    [InlineData("0=4,0=2", "--vgpus: device 0 is given twice in the command line")]
    [InlineData("0=0", "device 0: no vGPUs (a count of at least 1")]
    [InlineData("0=101", "device 0: 101 vGPUs; at most 100 per device")]
    public void Bad_counts_are_one_line_naming_the_setting(string value, string expected)
    {
        var message = Error(() => Build(counts: [value]));
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Theory]
    [InlineData("0=24X:30", "--vgpu-slice '0=24X:30' is not DEVICE=MEMORY[:SHARE] (e.g. 0=24G:30")]
    [InlineData("0=24G:", "--vgpu-slice '0=24G:' is not DEVICE=MEMORY[:SHARE]")]
    [InlineData("0=0:10", "--vgpu-slice '0=0:10' is not DEVICE=MEMORY[:SHARE]")]
    [InlineData("0=1G:0", "device 0: vGPU 0 has a compute share of 0%; a share is 1 to 100%")]
    [InlineData("0=1G:60,0=1G:50", "device 0: the vGPUs' compute shares add up to 110%, more than 100%")]
    public void Bad_slices_are_one_line_naming_the_setting(string value, string expected)
    {
        Assert.Contains(expected, Error(() => Build(slices: [value])), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("150")]
    [InlineData("-1")]
    public void The_ratio_is_between_one_and_sixteen(string ratio)
    {
        Assert.Contains("is not a ratio", Error(() => Build(ratio: ratio)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_count_and_slices_for_one_device_in_one_source_are_refused()
    {
        Assert.Contains("--vgpu-slice: device 0 has a count of vGPUs in the command line too; give a count of equal vGPUs or slices, not both",
            Error(() => Build(counts: ["0=2"], slices: ["0=1G"])), StringComparison.Ordinal);
        Assert.Contains("ORION_VGPU_SLICES: device 3 has a count of vGPUs in the environment too",
            Error(() => Build(environment: new() { ["ORION_VGPU_SLICES"] = "3=1G", ["ORION_VGPUS"] = "3=2" })), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "Orion": { "VGpu": {} } }""", "unknown setting Orion:VGpu (known here: VGpus)")]
    [InlineData("""{ "Orion": { "VGpus": { "Devices": { "0": { "Count": 2, "Sices": [] } } } } }""", "unknown setting Orion:VGpus:Devices:0:Sices (known here: Count, Slices)")]
    [InlineData("""{ "Orion": { "VGpus": { "Devices": { "0": { "Slices": [ { "Memory": "24X" } ] } } } } }""", "Orion:VGpus:Devices:0:Slices:0:Memory is \"24X\"; expected a size")]
    [InlineData("""{ "Orion": { "VGpus": { "Devices": { "0": { "Slices": [ { "Share": 30 } ] } } } } }""", "Orion:VGpus:Devices:0:Slices:0 has no \"Memory\"")]
    [InlineData("""{ "Orion": { "VGpus": { "Devices": { "gpu0": { "Count": 2 } } } } }""", "Orion:VGpus:Devices:gpu0: 'gpu0' is not a device ordinal")]
    [InlineData("""{ "Orion": { "VGpus": { "Devices": { "0": { "Count": "4" } } } } }""", "Orion:VGpus:Devices:0:Count is \"4\"; expected a number of equal vGPUs")]
    [InlineData("""{ "Orion": { "VGpus": { "Devices": { "0": { "Count": 2, "count": 3 } } } } }""", "Orion:VGpus:Devices:0:count is given twice")]
    [InlineData("""{ "Orion": { "VGpus": { "Devices": { "0": { } } } } }""", "Orion:VGpus:Devices:0 is empty")]
    [InlineData("""{ "Orion": { "VGpus": { "Devices": { "0": { "Slices": [ { "Memory": "1G" } ], "Count": 2 } } } } }""", "Orion:VGpus:Devices:0: device 0 has slices in")]
    [InlineData("""{ "Logging": {} }""", "has no \"Orion\" section")]
    [InlineData("""{ "Orion": """, "is not valid JSON")]
    public void File_errors_name_the_file_and_the_settings_path(string json, string expected)
    {
        var file = File(json);
        var message = Error(() => Build(file));
        Assert.StartsWith(file, message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var missing = Path.Combine(_directory, "absent.json");
        Assert.Contains($"cannot read the configuration file {missing}", Error(() => Build(missing)), StringComparison.Ordinal);
    }
}
