using Orion.Cuda.Client.Native;
using Orion.Cuda.Protocol.Wire;

namespace Orion.CudartStub.Tests;

public sealed class ClientSettingsTests
{
    private static ClientSettings Parse(params (string Name, string Value)[] variables)
    {
        var table = variables.ToDictionary(v => v.Name, v => v.Value);
        return ClientSettings.Parse(name => table.GetValueOrDefault(name));
    }

    [Fact]
    public void TlsTrustsTheCertificatesOfOrionTlsCaAndChecksTheNameOfOrionTlsServerName()
    {
        var directory = Directory.CreateTempSubdirectory("orion-tls-ca-").FullName;
        try
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            using var certificate = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=orion-ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
            var caFile = Path.Combine(directory, "ca.crt");
            File.WriteAllText(caFile, certificate.ExportCertificatePem());

            var settings = Parse(("ORION_SERVER", "tls://gpu1:7000"), ("ORION_TLS_CA", caFile), ("ORION_TLS_SERVER_NAME", "gpu-pool.example"));
            Assert.Null(settings.Error);
            Assert.Equal("tls", Assert.Single(settings.Servers).Scheme);
            Assert.Equal(certificate.Thumbprint, Assert.Single(settings.Tls!.TrustedCertificates!).Thumbprint);
            Assert.Equal("gpu-pool.example", settings.Tls.ServerName);

            Assert.Null(Parse(("ORION_SERVER", "tls://gpu1:7000")).Tls); // the system's trust store, the host's name

            var notPem = Path.Combine(directory, "token");
            File.WriteAllText(notPem, "not a certificate");
            Assert.Equal($"ORION_TLS_CA='{notPem}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)", Parse(("ORION_SERVER", "tls://gpu1:7000"), ("ORION_TLS_CA", notPem)).Error);
            Assert.StartsWith("ORION_TLS_CA='/nonexistent/ca.crt' cannot be read as PEM certificates", Parse(("ORION_SERVER", "h:1"), ("ORION_TLS_CA", "/nonexistent/ca.crt")).Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void BareHostPortMeansTcp()
    {
        var settings = Parse(("ORION_SERVER", "gpu7.example:7000"));
        Assert.Null(settings.Error);
        var server = Assert.Single(settings.Servers);
        Assert.Equal(("tcp", "gpu7.example", 7000), (server.Scheme, server.Host, server.Port));
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ConnectTimeout);
        Assert.Equal(NativeLogLevel.Warn, settings.LogLevel);
    }

    [Fact]
    public void SeveralServersKeepTheirOrderAndSchemes()
    {
        var settings = Parse(("ORION_SERVER", " tcp://a:1 , rdma://b:2,c:3"), ("ORION_TOKEN", "s3cret"),
            ("ORION_LOG_LEVEL", "debug"), ("ORION_CONNECT_TIMEOUT_MS", "250"));
        Assert.Null(settings.Error);
        Assert.Equal(["tcp://a:1", "rdma://b:2", "tcp://c:3"], settings.Servers.Select(s => s.ToString()));
        Assert.Equal("s3cret", settings.Token);
        Assert.Equal(NativeLogLevel.Debug, settings.LogLevel);
        Assert.Equal(TimeSpan.FromMilliseconds(250), settings.ConnectTimeout);
    }

    [Fact]
    public void TheReplySpinIsInMicrosecondsAndZeroTurnsItOff()
    {
        Assert.Equal(TimeSpan.FromMicroseconds(200), Parse(("ORION_SERVER", "h:1")).ReplySpinTime);
        Assert.Equal(TimeSpan.FromMicroseconds(750), Parse(("ORION_SERVER", "h:1"), ("ORION_REPLY_SPIN_US", "750")).ReplySpinTime);
        var off = Parse(("ORION_SERVER", "h:1"), ("ORION_REPLY_SPIN_US", "0"));
        Assert.Null(off.Error);
        Assert.Equal(TimeSpan.Zero, off.ReplySpinTime);
    }

    [Theory]
    [InlineData(null, ChunkCompression.Off)]
    [InlineData("", ChunkCompression.Off)]
    [InlineData("off", ChunkCompression.Off)]
    [InlineData("on", ChunkCompression.On)]
    [InlineData(" AUTO ", ChunkCompression.Auto)]
    public void CompressionIsOffOnOrAuto(string? value, ChunkCompression expected)
    {
        var settings = value is null ? Parse(("ORION_SERVER", "h:1")) : Parse(("ORION_SERVER", "h:1"), ("ORION_COMPRESSION", value));
        Assert.Null(settings.Error);
        Assert.Equal(expected, settings.Compression);
    }

    [Fact]
    public void MissingServerIsAClearError()
    {
        var settings = Parse();
        Assert.Empty(settings.Servers);
        Assert.Contains("ORION_SERVER is not set", settings.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ORION_SERVER", "host-without-port", "ORION_SERVER entry")]
    [InlineData("ORION_LOG_LEVEL", "chatty", "ORION_LOG_LEVEL")]
    [InlineData("ORION_CONNECT_TIMEOUT_MS", "-5", "ORION_CONNECT_TIMEOUT_MS")]
    [InlineData("ORION_CONNECT_TIMEOUT_MS", "99999999999", "ORION_CONNECT_TIMEOUT_MS")]
    [InlineData("ORION_CONNECT_TIMEOUT_MS", "0", "ORION_CONNECT_TIMEOUT_MS='0' is not a number of milliseconds between 1 and 600000")]
    [InlineData("ORION_REPLY_SPIN_US", "10001", "ORION_REPLY_SPIN_US='10001' is not a number of microseconds between 0 and 10000")]
    [InlineData("ORION_REPLY_SPIN_US", "-1", "ORION_REPLY_SPIN_US='-1'")]
    [InlineData("ORION_COMPRESSION", "lz4", "ORION_COMPRESSION='lz4' is not off, on or auto")]
    public void BadValuesAreReportedNotThrown(string name, string value, string expectedInError)
    {
        var variables = new List<(string, string)> { ("ORION_SERVER", "h:1") };
        variables.RemoveAll(v => v.Item1 == name);
        variables.Add((name, value));
        var settings = Parse([.. variables]);
        Assert.Contains(expectedInError, settings.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TooManyServersAreRefused()
    {
        var list = string.Join(",", Enumerable.Range(1, ClientSettings.MaxServers + 1).Select(i => $"h{i}:1"));
        var settings = Parse(("ORION_SERVER", list));
        Assert.Equal(ClientSettings.MaxServers, settings.Servers.Count);
        Assert.Contains("more than", settings.Error, StringComparison.Ordinal);
    }

    private static string TokenFile(string contents, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = Path.Combine(Path.GetTempPath(), "orion-client-token-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, contents);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
        return path;
    }

    [Theory]
    [InlineData("from-file-secret\n")]
    [InlineData("from-file-secret\r\n")]
    [InlineData("from-file-secret")]
    public void The_token_may_come_from_ORION_TOKEN_FILE_without_its_trailing_line_break(string contents)
    {
        var path = TokenFile(contents);
        try
        {
            // An empty ORION_TOKEN counts as unset.
            var settings = Parse(("ORION_SERVER", "h:1"), ("ORION_TOKEN_FILE", path), ("ORION_TOKEN", ""));
            Assert.Null(settings.Error);
            Assert.Equal("from-file-secret", settings.Token);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_token_file_others_can_read_is_refused_without_showing_the_token()
    {
        var path = TokenFile("from-file-secret\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        try
        {
            var settings = Parse(("ORION_SERVER", "h:1"), ("ORION_TOKEN_FILE", path));
            Assert.Contains("ORION_TOKEN_FILE", settings.Error, StringComparison.Ordinal);
            Assert.Contains("chmod 600", settings.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("from-file-secret", settings.Error, StringComparison.Ordinal);
            Assert.Equal("", settings.Token);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_missing_token_file_is_an_error()
    {
        var settings = Parse(("ORION_SERVER", "h:1"), ("ORION_TOKEN_FILE", "/nonexistent/orion-token"));
        Assert.Contains("ORION_TOKEN_FILE: auth token file '/nonexistent/orion-token' does not exist", settings.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_token_variables_together_are_an_error()
    {
        var path = TokenFile("from-file-secret\n");
        try
        {
            var settings = Parse(("ORION_SERVER", "h:1"), ("ORION_TOKEN_FILE", path), ("ORION_TOKEN", "env-secret"));
            Assert.Contains("ORION_TOKEN and ORION_TOKEN_FILE are both set", settings.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", settings.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_settings_never_print_their_token()
    {
        var settings = Parse(("ORION_SERVER", "h:1"), ("ORION_TOKEN", "env-secret"));
        Assert.Equal("env-secret", settings.Token);
        Assert.DoesNotContain("env-secret", settings.ToString(), StringComparison.Ordinal);
        Assert.Contains("tcp://h:1", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_vGPU_request_comes_from_its_three_variables()
    {
        var settings = Parse(("ORION_SERVER", "h:1"), ("ORION_VGPU_MEMORY", "24G"), ("ORION_VGPU_SHARE", "30%"), ("ORION_VGPU_DEVICE", "1"));
        Assert.Null(settings.Error);
        Assert.Equal(new Orion.Cuda.Protocol.Wire.VGpuRequest(24UL << 30, 30, 1), settings.VGpu);
        Assert.Contains("VGpu = 24 GiB and a 30% compute share on device 1", settings.ToString(), StringComparison.Ordinal);
        Assert.True(Parse(("ORION_SERVER", "h:1")).VGpu.IsEmpty);
        Assert.Equal(new Orion.Cuda.Protocol.Wire.VGpuRequest(512UL << 20), Parse(("ORION_SERVER", "h:1"), ("ORION_VGPU_MEMORY", "512M")).VGpu);
    }

    [Theory]
    [InlineData("ORION_VGPU_MEMORY", "lots", "ORION_VGPU_MEMORY='lots' is not a size")]
    [InlineData("ORION_VGPU_SHARE", "0", "ORION_VGPU_SHARE='0' is not a compute share in percent between 1 and 100")]
    [InlineData("ORION_VGPU_SHARE", "150", "ORION_VGPU_SHARE='150'")]
    [InlineData("ORION_VGPU_DEVICE", "64", "ORION_VGPU_DEVICE='64' is not a device number between 0 and 63")]
    [InlineData("ORION_VGPU_DEVICE", "-1", "ORION_VGPU_DEVICE='-1'")]
    public void A_bad_vGPU_variable_is_reported_not_thrown(string name, string value, string expected)
    {
        Assert.Contains(expected, Parse(("ORION_SERVER", "h:1"), (name, value)).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_device_limit_comes_from_ORION_MAX_DEVICES_and_is_all_when_unset()
    {
        Assert.Null(Parse(("ORION_SERVER", "h:1")).MaxDevices);
        var settings = Parse(("ORION_SERVER", "h:1,h:1"), ("ORION_MAX_DEVICES", "2"));
        Assert.Null(settings.Error);
        Assert.Equal(2, settings.MaxDevices);
        Assert.Contains("MaxDevices = 2", settings.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("two")]
    [InlineData("1025")]
    public void A_bad_device_limit_is_reported_not_thrown(string value)
    {
        Assert.Contains($"ORION_MAX_DEVICES='{value}' is not a number of devices between 1 and 1024", Parse(("ORION_SERVER", "h:1"), ("ORION_MAX_DEVICES", value)).Error, StringComparison.Ordinal);
    }
}
