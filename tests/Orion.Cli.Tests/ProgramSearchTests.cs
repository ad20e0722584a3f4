namespace Orion.Cli.Tests;

/// <summary>Where the exec looks for the program, as <c>execvp</c> does.</summary>
public sealed class ProgramSearchTests
{
    [Fact]
    public void A_name_with_a_slash_is_used_as_it_is()
    {
        Assert.Equal(["./train"], ProgramExec.Candidates("./train", "/usr/bin"));
        Assert.Equal(["/usr/bin/python3"], ProgramExec.Candidates("/usr/bin/python3", null));
    }

    [Fact]
    public void A_bare_name_is_looked_for_in_each_folder_of_the_path_in_order()
    {
        Assert.Equal(["/opt/bin/python3", "/usr/bin/python3", "python3"], ProgramExec.Candidates("python3", "/opt/bin/:/usr/bin:"));
    }

    [Fact]
    public void Without_a_path_the_c_librarys_default_is_searched()
    {
        Assert.Equal(["/bin/python3", "/usr/bin/python3"], ProgramExec.Candidates("python3", null));
    }

    [Fact]
    public void An_empty_name_has_no_candidate()
    {
        Assert.Empty(ProgramExec.Candidates("", "/usr/bin"));
    }

    [Fact]
    public void The_current_environment_is_the_processs_own()
    {
        var block = ProgramExec.CurrentEnvironment().Select(entry => System.Text.Encoding.UTF8.GetString(entry)).ToArray();
        Assert.Contains("PATH=" + Environment.GetEnvironmentVariable("PATH"), block);
    }
}
