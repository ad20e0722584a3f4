namespace Orion.Cuda.Protocol.Description;

/// <summary>Which way a parameter travels.</summary>
public enum ParameterDirection
{
    /// <summary>In the request.</summary>
    In = 1,
    /// <summary>In the reply.</summary>
    Out = 2,
    /// <summary>In the request and back in the reply.</summary>
    InOut = 3,
    /// <summary>The call's bulk data (<see cref="IncomingData"/> or <see cref="OutgoingData"/>), not in the record.</summary>
    Bulk = 4,
}
