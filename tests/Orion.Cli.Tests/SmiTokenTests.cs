namespace Orion.Cli.Tests;

/// <summary><c>orion smi</c> finds its token as a program run through Orion does: a token file (owner-only) or the variable.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SmiTokenTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("orion-smi-token-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string TokenFile(string text, UnixFileMode mode)
    {
        var path = Path.Combine(_folder, "token");
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void A_token_file_is_read_with_its_line_break_trimmed()
    {
        var path = TokenFile("s3cret\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Equal("s3cret", SmiCommand.Token(null, path));
    }

    [Fact]
    public void A_token_file_others_can_read_is_refused_without_showing_the_token()
    {
        var path = TokenFile("s3cret\n", UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var error = Assert.Throws<CliException>(() => SmiCommand.Token(null, path));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_the_variable_and_the_file_is_an_error_and_the_variable_alone_is_the_token()
    {
        var path = TokenFile("s3cret\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Throws<CliException>(() => SmiCommand.Token("other", path));
        Assert.Equal("plain", SmiCommand.Token("plain", null));
    }
}
