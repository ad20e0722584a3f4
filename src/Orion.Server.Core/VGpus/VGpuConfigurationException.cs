namespace Orion.Server.Core.VGpus;

/// <summary>The vGPU configuration cannot be used; the message is one line naming the setting or the device (a host prints it as it is).</summary>
public sealed class VGpuConfigurationException : InvalidOperationException
{
    public VGpuConfigurationException(string message) : base(message) { }

    public VGpuConfigurationException() { }

    public VGpuConfigurationException(string message, Exception innerException) : base(message, innerException) { }
}
