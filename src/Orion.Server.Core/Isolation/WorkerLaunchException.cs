namespace Orion.Server.Core.Isolation;

/// <summary>A worker could not be started; the client is refused as unavailable with this message.</summary>
public sealed class WorkerLaunchException : Exception
{
    public WorkerLaunchException() { }

    public WorkerLaunchException(string message) : base(message) { }

    public WorkerLaunchException(string message, Exception innerException) : base(message, innerException) { }
}
