using System.Text;

namespace Orion.Cli.Tests;

/// <summary>The environment a run gets, as a pure function of the options and the environment orion was given.</summary>
public sealed class RunEnvironmentTests
{
    private const string Runtime = "/opt/orion/runtime";
    private const string Client = "/opt/orion/runtime/liborion_client.so";

    private static Func<string, string?> Given(params (string Name, string Value)[] variables) =>
        name => variables.Where(variable => variable.Name == name).Select(variable => variable.Value).FirstOrDefault();

    private static Dictionary<string, string> Settings(RunEnvironment environment) =>
        environment.Settings.ToDictionary(setting => setting.Key, setting => setting.Value);

    [Fact]
    public void A_run_gets_the_runtime_folder_first_the_client_library_the_server_and_tritons_path()
    {
        var environment = RunEnvironment.Compute(Runtime, Client, "tcp://gpu:7000", Given(("LD_LIBRARY_PATH", "/usr/local/cuda/lib64:/lib")));
        Assert.Equal(
            [
                new("LD_LIBRARY_PATH", "/opt/orion/runtime:/usr/local/cuda/lib64:/lib"),
                new("ORION_CLIENT_LIB", Client),
                new("ORION_SERVER", "tcp://gpu:7000"),
                new KeyValuePair<string, string>("TRITON_LIBCUDA_PATH", Runtime),
            ],
            environment.Settings);
    }

    [Fact]
    public void Without_a_library_path_the_runtime_folder_is_the_whole_of_it()
    {
        Assert.Equal(Runtime, Settings(RunEnvironment.Compute(Runtime, Client, "gpu:7000", Given()))["LD_LIBRARY_PATH"]);
        Assert.Equal(Runtime, Settings(RunEnvironment.Compute(Runtime, Client, "gpu:7000", Given(("LD_LIBRARY_PATH", ""))))["LD_LIBRARY_PATH"]);
    }

    [Fact]
    public void A_library_path_that_starts_with_the_runtime_folder_is_left_as_it_is()
    {
        var environment = RunEnvironment.Compute(Runtime, Client, "gpu:7000", Given(("LD_LIBRARY_PATH", Runtime + ":/lib")));
        Assert.Equal(Runtime + ":/lib", Settings(environment)["LD_LIBRARY_PATH"]);
        Assert.Equal(Runtime + ":" + Runtime + "x", RunEnvironment.PrependFolder(Runtime, Runtime + "x"));
    }

    [Fact]
    public void The_server_option_wins_over_the_variable_which_is_used_without_it()
    {
        var given = Given(("ORION_SERVER", "tcp://from-env:1"));
        Assert.Equal("tcp://from-option:2", Settings(RunEnvironment.Compute(Runtime, Client, "tcp://from-option:2", given))["ORION_SERVER"]);
        Assert.Equal("tcp://from-env:1", Settings(RunEnvironment.Compute(Runtime, Client, null, given))["ORION_SERVER"]);
    }

    [Fact]
    public void The_vGPU_options_become_the_client_librarys_variables_and_only_those_given()
    {
        var environment = RunEnvironment.Compute(Runtime, Client, "gpu:7000", Given(), new VGpuChoice("24G", "30%", "1"));
        Assert.Equal(
            [new("ORION_VGPU_MEMORY", "24G"), new("ORION_VGPU_SHARE", "30"), new KeyValuePair<string, string>("ORION_VGPU_DEVICE", "1")],
            environment.Settings.Skip(4));
        Assert.Equal([new KeyValuePair<string, string>("ORION_VGPU_SHARE", "5")],
            RunEnvironment.Compute(Runtime, Client, "gpu:7000", Given(), new VGpuChoice(null, "5", null)).Settings.Skip(4));
        Assert.Equal(4, RunEnvironment.Compute(Runtime, Client, "gpu:7000", Given(), VGpuChoice.None).Settings.Count);
    }

    [Theory]
    [InlineData("24X", null, null, "--vgpu-memory '24X' is not a size (e.g. 24G, 512M or a number of bytes)")]
    [InlineData(null, "0", null, "--vgpu-share '0' is not a compute share in percent between 1 and 100")]
    [InlineData(null, "101", null, "--vgpu-share '101' is not a compute share")]
    [InlineData(null, null, "64", "--vgpu-device '64' is not a device number between 0 and 63")]
    public void A_malformed_vGPU_option_is_a_usage_error(string? memory, string? share, string? device, string expected)
    {
        var error = Assert.Throws<CliException>(() => RunEnvironment.Compute(Runtime, Client, "gpu:7000", Given(), new VGpuChoice(memory, share, device)));
        Assert.Equal(2, error.ExitCode);
        Assert.Equal(expected, error.Message[..Math.Min(error.Message.Length, expected.Length)]);
    }

    [Fact]
    public void No_server_anywhere_is_a_usage_error()
    {
        var error = Assert.Throws<CliException>(() => RunEnvironment.Compute(Runtime, Client, null, Given(("ORION_SERVER", " "))));
        Assert.Equal(2, error.ExitCode);
        Assert.Equal("no server: give one with --server URL (e.g. tcp://gpu-host:7000) or set ORION_SERVER", error.Message);
    }

    [Theory]
    [InlineData("gpu", "--server 'gpu' is not a server address: a port is required (expected tcp://host:port)")]
    [InlineData("tcp://a:1,inproc://x", "--server 'inproc://x' is not a server address: a CUDA program's client speaks tcp://, tls://, rdma://, shm:// and auto://, not inproc://")]
    [InlineData("http://a:1", "--server 'http://a:1' is not a server address: a CUDA program's client speaks tcp://, tls://, rdma://, shm:// and auto://, not http://")]
    [InlineData(",", "--server names no server (expected tcp://host:port)")]
    public void A_malformed_server_is_named(string server, string message)
    {
        var error = Assert.Throws<CliException>(() => RunEnvironment.Compute(Runtime, Client, server, Given()));
        Assert.Equal(2, error.ExitCode);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void A_malformed_server_variable_is_named_as_the_variable()
    {
        var error = Assert.Throws<CliException>(() => RunEnvironment.Compute(Runtime, Client, null, Given(("ORION_SERVER", "tcp://x"))));
        Assert.StartsWith("ORION_SERVER 'tcp://x' is not a server address", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rdma://gpu:7000")]
    [InlineData("tls://gpu:7000")]
    [InlineData("auto://gpu:7000")]
    [InlineData("gpu:7000")]
    public void Every_transport_a_program_can_use_is_accepted(string server)
    {
        Assert.Equal(server, Settings(RunEnvironment.Compute(Runtime, Client, server, Given()))["ORION_SERVER"]);
    }

    [Fact]
    public void Several_servers_pass_as_they_were_given()
    {
        var environment = RunEnvironment.Compute(Runtime, Client, "tcp://a:1, tcp://b:2", Given());
        Assert.Equal("tcp://a:1, tcp://b:2", Settings(environment)["ORION_SERVER"]);
    }

    [Fact]
    public void A_triton_path_already_set_is_kept_and_the_client_library_always_set()
    {
        var environment = RunEnvironment.Compute(Runtime, Client, "gpu:1",
            Given(("TRITON_LIBCUDA_PATH", "/mine"), ("ORION_CLIENT_LIB", "/old/liborion_client.so")));
        var settings = Settings(environment);
        Assert.False(settings.ContainsKey("TRITON_LIBCUDA_PATH"));
        Assert.Equal(Client, settings["ORION_CLIENT_LIB"]);
    }

    [Fact]
    public void The_block_replaces_settings_in_place_and_keeps_every_other_entry_byte_for_byte()
    {
        var environment = RunEnvironment.Compute(Runtime, Client, "gpu:1", Given(("LD_LIBRARY_PATH", "/lib")));
        byte[] odd = [.. "ODD="u8, 0xFF, 0xFE, .. "x"u8];
        byte[] noEquals = [.. "JUSTANAME"u8];
        byte[] nonAscii = [.. "N\u00c4ME=1"u8];
        var block = environment.Apply(
        [
            "HOME=/root"u8.ToArray(),
            "LD_LIBRARY_PATH=/lib"u8.ToArray(),
            odd,
            "ORION_SERVER=old:1"u8.ToArray(),
            noEquals,
            "LD_LIBRARY_PATH=/duplicate"u8.ToArray(),
            nonAscii,
        ]);
        Assert.Equal(
            [
                "HOME=/root",
                "LD_LIBRARY_PATH=/opt/orion/runtime:/lib",
                "ODD=\ufffd\ufffdx",
                "ORION_SERVER=gpu:1",
                "JUSTANAME",
                "N\u00c4ME=1",
                "ORION_CLIENT_LIB=" + Client,
                "TRITON_LIBCUDA_PATH=" + Runtime,
            ],
            block.Select(entry => Encoding.UTF8.GetString(entry)));
        Assert.Same(odd, block[2]);
        Assert.Same(noEquals, block[4]);
        Assert.Same(nonAscii, block[5]);
    }

    [Fact]
    public void Exports_quote_every_value_for_a_posix_shell()
    {
        var environment = RunEnvironment.Compute("/opt/it's here", "/opt/it's here/liborion_client.so", "gpu:1", Given());
        Assert.Equal(
            "export LD_LIBRARY_PATH='/opt/it'\\''s here'\n"
                + "export ORION_CLIENT_LIB='/opt/it'\\''s here/liborion_client.so'\n"
                + "export ORION_SERVER='gpu:1'\n"
                + "export TRITON_LIBCUDA_PATH='/opt/it'\\''s here'\n",
            environment.ToShellExports());
    }
}
