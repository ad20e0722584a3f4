using Orion.Cuda.Protocol.Security;
using Orion.Cuda.Protocol.Wire;

namespace Orion.Server.Core.Tests.Authentication;

/// <summary>The token file rules shared by the server (--token-file, ORION_TOKEN_FILE, AuthTokenFile) and the client (ORION_TOKEN_FILE).</summary>
public sealed class AuthTokenFileTests : IDisposable
{
    private const string Secret = "tok-7f3a9c1e-never-in-a-message";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _directory = Directory.CreateTempSubdirectory("orion-token-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string contents, UnixFileMode mode = OwnerOnly) => WriteBytes(System.Text.Encoding.UTF8.GetBytes(contents), mode);

    private string WriteBytes(byte[] contents, UnixFileMode mode = OwnerOnly)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        File.WriteAllBytes(path, contents);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
        return path;
    }

    private static string Refused(string path)
    {
        Assert.False(AuthTokenFile.TryRead(path, out var token, out var error));
        Assert.Null(token);
        Assert.NotNull(error);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
        return error;
    }

    [Theory]
    [InlineData(Secret)]
    [InlineData(Secret + "\n")]
    [InlineData(Secret + "\r\n")]
    public void The_token_is_the_file_without_its_trailing_line_break(string contents)
    {
        var path = Write(contents);
        Assert.True(AuthTokenFile.TryRead(path, out var token, out var error), error);
        Assert.Equal(Secret, token);
        Assert.Equal(Secret, AuthTokenFile.Read(path));
    }

    [Fact]
    public void A_read_only_owner_file_is_accepted()
    {
        Assert.Equal(Secret, AuthTokenFile.Read(Write(Secret + "\n", UnixFileMode.UserRead)));
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.OtherWrite)]
    public void A_file_its_group_or_others_may_access_is_refused_as_ssh_refuses_a_key(UnixFileMode extra)
    {
        var path = Write(Secret + "\n", OwnerOnly | extra);
        var error = Refused(path);
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.Contains("chmod 600", error, StringComparison.Ordinal);
        Assert.Contains("group or others", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_refusal_shows_the_permissions_in_octal()
    {
        var error = Refused(Write(Secret, OwnerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
        Assert.Contains("0644", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_or_a_directory_is_refused_with_its_path()
    {
        var missing = Path.Combine(_directory, "missing");
        Assert.Contains("does not exist", Refused(missing), StringComparison.Ordinal);
        Assert.Contains("is a directory", Refused(_directory), StringComparison.Ordinal);
        var ex = Assert.Throws<InvalidOperationException>(() => AuthTokenFile.Read(missing));
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("\n", "is empty")]
    [InlineData(Secret + "\nsecond line\n", "more than one line")]
    [InlineData(Secret + "\n\n", "more than one line")]
    public void An_empty_or_multi_line_file_is_refused(string contents, string expected)
    {
        Assert.Contains(expected, Refused(Write(contents)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_longer_than_a_hello_carries_is_refused()
    {
        Assert.Equal(new string('k', ProtocolLimits.MaxTextBytes), AuthTokenFile.Read(Write(new string('k', ProtocolLimits.MaxTextBytes) + "\n")));
        Assert.Contains("more than", Refused(Write(new string('k', ProtocolLimits.MaxTextBytes + 1))), StringComparison.Ordinal);
        Assert.Contains("more than", Refused(Write(new string('k', 1 << 20))), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_utf8_text_is_refused()
    {
        Assert.Contains("not UTF-8", Refused(WriteBytes([0x74, 0xC3, 0x28, 0x6B])), StringComparison.Ordinal);
    }
}
