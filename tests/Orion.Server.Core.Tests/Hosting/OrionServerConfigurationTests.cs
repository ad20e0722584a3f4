using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orion.Server.Core.Hosting;
using Orion.Server.Core.VGpus;
using Orion.Transport;

namespace Orion.Server.Core.Tests.Hosting;

/// <summary>
/// <see cref="OrionServerConfiguration"/>: every option of <see cref="OrionServerOptions"/> binds from a configuration
/// section, endpoints as strings included; problems are one line naming the key; process-wide defaults stay untouched.
/// </summary>
public sealed class OrionServerConfigurationTests
{
    private static IConfigurationSection Section(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>("Orion:" + s.Key, s.Value)))
            .Build()
            .GetSection("Orion");

    private static OrionServerOptions Bind(params (string Key, string? Value)[] settings)
    {
        var options = new OrionServerOptions();
        OrionServerConfiguration.Bind(Section(settings), options);
        return options;
    }

    private static string Problems(params (string Key, string? Value)[] settings) =>
        Assert.Throws<OptionsValidationException>(() => Bind(settings)).Message;

    [Fact]
    public void Endpoints_bind_from_strings_as_array_entries()
    {
        var options = Bind(("Endpoints:0", "tcp://0.0.0.0:7000"), ("Endpoints:1", "rdma://10.0.0.5:7001"), ("Endpoints:2", "gpu-host:7002"), ("Endpoints:3", "inproc://orion"));
        Assert.Equal(
            [new("tcp", "0.0.0.0", 7000), new("rdma", "10.0.0.5", 7001), new("tcp", "gpu-host", 7002), new TransportEndpoint("inproc", "orion", 0)],
            options.Endpoints);
    }

    [Fact]
    public void Endpoints_and_devices_bind_from_one_comma_separated_value()
    {
        var options = Bind(("Endpoints", "tcp://127.0.0.1:7000, auto://127.0.0.1:7001"), ("Devices", "1,0"));
        Assert.Equal([new("tcp", "127.0.0.1", 7000), new TransportEndpoint("auto", "127.0.0.1", 7001)], options.Endpoints);
        Assert.Equal([1, 0], options.Devices);
    }

    [Fact]
    public void Every_option_binds()
    {
        var options = Bind(
            ("Endpoints:0", "tcp://127.0.0.1:7000"),
            ("Devices:0", "2"),
            ("AuthTokenFile", "/etc/orion/token"),
            ("AllowUnauthenticated", "true"),
            ("Tls:CertificateFile", "/etc/orion/server.crt"),
            ("Tls:KeyFile", "/etc/orion/server.key"),
            ("AllowUnencrypted", "true"),
            ("AuthFailureLimits:MaxFailures", "3"),
            ("AuthFailureLimits:Window", "30s"),
            ("AuthFailureLimits:Lockout", "00:10:00"),
            ("AuthFailureLimits:MaxTrackedAddresses", "100"),
            ("ChunkBytes", "1M"),
            ("TransportOptions:MaxMessageSize", "8M"),
            ("TransportOptions:MaxBulkSize", "1G"),
            ("TransportOptions:IdleTimeout", "Infinite"),
            ("TransportOptions:KeepAliveInterval", "5s"),
            ("TransportOptions:ConnectTimeout", "2500ms"),
            ("TransportOptions:MaxPendingSendBytes", "65536"),
            ("TransportOptions:SocketBufferSize", "0"),
            ("TransportOptions:ReceiveSpinTime", "20us"),
            ("Isolation", "process"),
            ("WorkerConnectTimeout", "20s"),
            ("MaxWorkers", "8"),
            ("MaxSessions", "9"),
            ("MaxConnections", "100"),
            ("MaxConnectionsPerAddress", "7"),
            ("SendTimeout", "2m"),
            ("SessionLimits:MemoryQuotaBytes", "16G"),
            ("SessionLimits:MaxAllocations", "10"),
            ("SessionLimits:MaxStreams", "11"),
            ("SessionLimits:MaxEvents", "12"),
            ("SessionLimits:MaxModules", "13"),
            ("SessionLimits:MaxModuleImageBytes", "64M"),
            ("SessionLimits:MaxUnauthenticatedMessageBytes", "8K"),
            ("VGpus:MemoryOversubscription", "1.5"),
            ("VGpus:Devices:0:Count", "4"),
            ("VGpus:Devices:1:Slices:0:Memory", "24G"),
            ("VGpus:Devices:1:Slices:0:Share", "30"),
            ("VGpus:Devices:1:Slices:1:Memory", "512MiB"),
            ("HelloTimeout", "1.5s"),
            ("ModuleCache:Directory", "/var/cache/orion"),
            ("ModuleCache:MaxBytes", "2G"),
            ("AllowCompression", "false"),
            ("ShowAllSessions", "true"));

        Assert.Equal([new TransportEndpoint("tcp", "127.0.0.1", 7000)], options.Endpoints);
        Assert.Equal([2], options.Devices);
        Assert.Equal("/etc/orion/token", options.AuthTokenFile);
        Assert.True(options.AllowUnauthenticated);
        Assert.Equal(new Orion.Server.Core.Tls.TlsCertificateOptions("/etc/orion/server.crt", "/etc/orion/server.key"), options.Tls);
        Assert.True(options.AllowUnencrypted);
        Assert.Equal(3, options.AuthFailureLimits.MaxFailures);
        Assert.Equal(TimeSpan.FromSeconds(30), options.AuthFailureLimits.Window);
        Assert.Equal(TimeSpan.FromMinutes(10), options.AuthFailureLimits.Lockout);
        Assert.Equal(100, options.AuthFailureLimits.MaxTrackedAddresses);
        Assert.Equal(1 << 20, options.ChunkBytes);
        Assert.False(options.AllowCompression);
        Assert.Equal(new TransportOptions
        {
            MaxMessageSize = 8 << 20,
            MaxBulkSize = 1L << 30,
            IdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAliveInterval = TimeSpan.FromSeconds(5),
            ConnectTimeout = TimeSpan.FromMilliseconds(2500),
            MaxPendingSendBytes = 65536,
            SocketBufferSize = 0,
            ReceiveSpinTime = TimeSpan.FromMicroseconds(20),
        }, options.TransportOptions);
        Assert.Equal(SessionIsolation.Process, options.Isolation);
        Assert.Equal(TimeSpan.FromSeconds(20), options.WorkerConnectTimeout);
        Assert.Equal(8, options.MaxWorkers);
        Assert.Equal(9, options.MaxSessions);
        Assert.Equal(100, options.MaxConnections);
        Assert.Equal(7, options.MaxConnectionsPerAddress);
        Assert.Equal(TimeSpan.FromMinutes(2), options.SendTimeout);
        Assert.Equal(new SessionLimits
        {
            MemoryQuotaBytes = 16UL << 30, MaxAllocations = 10, MaxStreams = 11, MaxEvents = 12, MaxModules = 13,
            MaxModuleImageBytes = 64L << 20, MaxUnauthenticatedMessageBytes = 8 << 10,
        }, options.SessionLimits);
        Assert.Equal(1.5, options.VGpus.MemoryOversubscription);
        Assert.Equal([0, 1], options.VGpus.Devices.Keys);
        Assert.Equal(4, options.VGpus.Devices[0].Count);
        Assert.Equal([new VGpuSliceOptions(24UL << 30, 30), new VGpuSliceOptions(512UL << 20)], options.VGpus.Devices[1].Slices);
        Assert.Equal(TimeSpan.FromSeconds(1.5), options.HelloTimeout);
        Assert.Equal(new Orion.Server.Core.ModuleCache.ModuleCacheOptions("/var/cache/orion", 2L << 30), options.ModuleCache);
        Assert.True(options.ShowAllSessions);

        Assert.Equal("s3cret", Bind(("AuthToken", "s3cret")).AuthToken);
    }

    /// <summary>A public option added to <see cref="OrionServerOptions"/> must be bound too (or be code, as the launcher is).</summary>
    [Fact]
    public void The_binder_knows_every_public_option()
    {
        var options = typeof(OrionServerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.Name)
            .Where(name => name != nameof(OrionServerOptions.WorkerLauncher))
            .Order();
        Assert.Equal(options, OrionServerConfiguration.Keys.Order());
        Assert.Contains("is set in code", Problems(("WorkerLauncher", "x")), StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_are_case_insensitive_as_configuration_is()
    {
        var options = Bind(("endpoints:0", "tcp://127.0.0.1:7000"), ("maxsessions", "3"), ("sessionlimits:maxstreams", "4"));
        Assert.Single(options.Endpoints);
        Assert.Equal(3, options.MaxSessions);
        Assert.Equal(4, options.SessionLimits.MaxStreams);
    }

    [Fact]
    public void Binding_changes_no_process_wide_default()
    {
        var transportDefaults = new TransportOptions();
        var limitDefaults = new SessionLimits();
        var shared = new OrionServerOptions { TransportOptions = TransportOptions.Default, SessionLimits = SessionLimits.Default };
        OrionServerConfiguration.Bind(Section(("TransportOptions:IdleTimeout", "1s"), ("SessionLimits:MaxStreams", "1")), shared);
        Assert.Equal(TimeSpan.FromSeconds(1), shared.TransportOptions.IdleTimeout);
        Assert.Equal(1, shared.SessionLimits.MaxStreams);
        Assert.Equal(transportDefaults, TransportOptions.Default);
        Assert.Equal(limitDefaults, SessionLimits.Default);

        // Also through Microsoft's reflection binder: the options' nested defaults are their own instances.
        var reflected = new OrionServerOptions();
        Section(("TransportOptions:IdleTimeout", "00:00:01"), ("SessionLimits:MaxStreams", "1"), ("AuthFailureLimits:MaxFailures", "1")).Bind(reflected);
        Assert.Equal(TimeSpan.FromSeconds(1), reflected.TransportOptions.IdleTimeout);
        Assert.Equal(transportDefaults, TransportOptions.Default);
        Assert.Equal(limitDefaults, SessionLimits.Default);
        Assert.Equal(5, new OrionServerOptions().AuthFailureLimits.MaxFailures);
    }

    [Fact]
    public void A_nested_options_instance_given_in_code_is_replaced_not_changed()
    {
        var limits = new Orion.Server.Core.Authentication.AuthFailureLimits { MaxFailures = 7 };
        var options = new OrionServerOptions { AuthFailureLimits = limits };
        OrionServerConfiguration.Bind(Section(("AuthFailureLimits:Lockout", "1m")), options);
        Assert.Equal(7, options.AuthFailureLimits.MaxFailures);
        Assert.Equal(TimeSpan.FromMinutes(1), options.AuthFailureLimits.Lockout);
        Assert.Equal(TimeSpan.FromMinutes(5), limits.Lockout);
    }

    [Theory]
    [InlineData("Endpoints:0", "tcp://gpu:99999", "Orion:Endpoints:0: 'tcp://gpu:99999' is not an endpoint: port 99999 is out of range (1-65535)")]
    [InlineData("Endpoints:0", "tcp://gpu", "Orion:Endpoints:0: 'tcp://gpu' is not an endpoint: a port is required")]
    [InlineData("Devices:0", "first", "Orion:Devices:0: 'first' is not a device ordinal (0, 1, ...)")]
    [InlineData("MaxSessions", "many", "Orion:MaxSessions: 'many' is not a whole number")]
    [InlineData("ChunkBytes", "1Q", "Orion:ChunkBytes: '1Q' is not a size (bytes, or with a K, M, G or T suffix: 64K, 16G)")]
    [InlineData("HelloTimeout", "30", "Orion:HelloTimeout: '30' is not a duration (a number with us, ms, s, m or h, e.g. 30s; or hh:mm:ss)")]
    [InlineData("HelloTimeout", "Infinite", "Orion:HelloTimeout: 'Infinite' is not a duration (a number with us, ms, s, m or h, e.g. 30s; or hh:mm:ss)")]
    [InlineData("AllowUnauthenticated", "yes", "Orion:AllowUnauthenticated: 'yes' is not true or false")]
    [InlineData("Isolation", "vm", "Orion:Isolation: 'vm' is not an isolation mode (Context or Process)")]
    [InlineData("Isolation", "1", "Orion:Isolation: '1' is not an isolation mode (Context or Process)")]
    [InlineData("Endpoint", "tcp://127.0.0.1:7000", "Orion:Endpoint: unknown option (known here: Endpoints, Devices, AuthToken, AuthTokenFile, AllowUnauthenticated, Tls, AllowUnencrypted, AuthFailureLimits, ChunkBytes, TransportOptions, Isolation, WorkerConnectTimeout, MaxWorkers, MaxSessions, MaxConnections, MaxConnectionsPerAddress, SendTimeout, SessionLimits, VGpus, HelloTimeout, ModuleCache, ComputeQuantum, AdmissionWait, AllowCompression, ShowAllSessions)")]
    [InlineData("SessionLimits:MemoryQuota", "1G", "Orion:SessionLimits:MemoryQuota: unknown option (known here: MemoryQuotaBytes, MaxAllocations, MaxStreams, MaxEvents, MaxModules, MaxModuleImageBytes, MaxUnauthenticatedMessageBytes)")]
    [InlineData("Tls:KeyFile", "/k", "Orion:Tls:CertificateFile: is required when Tls is configured (a PEM certificate, or a PKCS#12 file)")]
    [InlineData("MaxConnectionsPerAddress", "few", "Orion:MaxConnectionsPerAddress: 'few' is not a whole number")]
    [InlineData("SessionLimits:MaxUnauthenticatedMessageBytes", "lots", "Orion:SessionLimits:MaxUnauthenticatedMessageBytes: 'lots' is not a size (bytes, or with a K, M, G or T suffix: 64K, 16G)")]
    [InlineData("ModuleCache:MaxBytes", "1G", "Orion:ModuleCache:Directory: is required when ModuleCache is configured (the directory where images are kept)")]
    public void A_bad_value_is_one_line_naming_the_key(string key, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind((key, value)));
        Assert.Equal(expected, error.Message);
        Assert.Equal([expected], error.Failures);
    }

    [Theory]
    [InlineData("VGpus:MemoryOversubscription", "150%", "Orion:VGpus:MemoryOversubscription: '150%' is not a ratio (e.g. 1.5 lets a device's vGPUs promise 150% of its memory)")]
    [InlineData("VGpus:Devices:first:Count", "4", "Orion:VGpus:Devices:first: 'first' is not a device ordinal (0, 1, ...)")]
    [InlineData("VGpus:Devices:0:Count", "four", "Orion:VGpus:Devices:0:Count: 'four' is not a whole number")]
    [InlineData("VGpus:Devices:0:Slices:0:Memory", "lots", "Orion:VGpus:Devices:0:Slices:0:Memory: 'lots' is not a size (bytes, or with a K, M, G or T suffix: 24G, 512M)")]
    [InlineData("VGpus:Devices:0:Slices:0:Share", "30", "Orion:VGpus:Devices:0:Slices:0:Memory: is required (a size such as 24G)")]
    [InlineData("VGpus:Devices:0:Size", "4", "Orion:VGpus:Devices:0:Size: unknown option (known here: Count, Slices)")]
    [InlineData("VGpus:Device:0:Count", "4", "Orion:VGpus:Device: unknown option (known here: MemoryOversubscription, Devices)")]
    [InlineData("VGpus:Devices:0", "4", "Orion:VGpus:Devices:0: expected Count or Slices")]
    public void A_bad_vGPU_value_is_one_line_naming_the_key(string key, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind((key, value)));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void vGPUs_named_in_configuration_replace_those_devices_of_options_given_in_code()
    {
        var options = new OrionServerOptions();
        var inCode = options.VGpus;
        inCode.Devices[0] = DeviceVGpuOptions.Equal(2);
        inCode.Devices[1] = DeviceVGpuOptions.Equal(3);
        OrionServerConfiguration.Bind(Section(("VGpus:Devices:1:Slices:0:Memory", "1G")), options);
        Assert.Equal(2, options.VGpus.Devices[0].Count);
        Assert.Equal([new VGpuSliceOptions(1UL << 30)], options.VGpus.Devices[1].Slices);
        Assert.Equal(0, options.VGpus.Devices[1].Count);
        Assert.Equal(3, inCode.Devices[1].Count); // the instance given in code is replaced, not changed
    }

    [Fact]
    public void Every_problem_is_reported_at_once_on_one_line()
    {
        var message = Problems(("Endpoints:0", "tcp://gpu:99999"), ("MaxSessions", "many"));
        Assert.Equal("Orion:Endpoints:0: 'tcp://gpu:99999' is not an endpoint: port 99999 is out of range (1-65535); Orion:MaxSessions: 'many' is not a whole number", message);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("00:00:02", 2_000)]
    public void Durations_take_a_unit_or_hh_mm_ss(string text, double milliseconds)
    {
        Assert.True(OrionServerConfiguration.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Fact]
    public void The_validator_says_what_is_missing_or_out_of_range_in_one_line_each()
    {
        var validator = new OrionServerOptionsValidator("Orion");
        var options = new OrionServerOptions { ChunkBytes = 1, Isolation = SessionIsolation.Process, MaxConnectionsPerAddress = 0, SessionLimits = new SessionLimits { MaxStreams = 0 } };
        var result = validator.Validate(null, options);
        Assert.True(result.Failed);
        Assert.Equal(
        [
            "Orion:Endpoints: at least one endpoint to listen on is required (e.g. tcp://127.0.0.1:7000)",
            $"Orion:ChunkBytes: 1 is outside {Orion.Cuda.Protocol.Wire.ProtocolLimits.MinChunkBytes}..{Orion.Cuda.Protocol.Wire.ProtocolLimits.MaxChunkBytes} bytes",
            "Orion:Isolation: Process isolation needs a worker launcher (OrionServerOptions.WorkerLauncher, or an IWorkerLauncher service), e.g. ProcessWorkerLauncher.ForThisProgram(...)",
            "Orion:MaxConnectionsPerAddress: 0 is less than 1",
            "Orion:SessionLimits:MaxStreams: MaxStreams ('0') must be greater than or equal to '1'.",
        ], result.Failures);
        Assert.All(result.Failures!, failure => Assert.DoesNotContain('\n', failure));

        options = new OrionServerOptions();
        options.Endpoints.Add(new TransportEndpoint("tcp", "127.0.0.1", 7000));
        Assert.True(validator.Validate(null, options).Succeeded);

        options.VGpus.Devices[0] = DeviceVGpuOptions.Explicit(new VGpuSliceOptions(1UL << 30, 60), new VGpuSliceOptions(1UL << 30, 50));
        Assert.Equal(["Orion:VGpus: device 0: the vGPUs' compute shares add up to 110%, more than 100%"], validator.Validate(null, options).Failures);
        options.VGpus = new VGpuOptions { MemoryOversubscription = 150 };
        Assert.Equal(["Orion:VGpus: memory oversubscription 150 is not a ratio between 1 (none) and 16 (1.5 allows 150%)"], validator.Validate(null, options).Failures);
    }
}
