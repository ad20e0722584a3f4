namespace Orion.Transport.Rdma.Verbs;

/// <summary>Completion status; values equal rdma-core's <c>IBV_WC_*</c> status codes.</summary>
internal enum CompletionStatus : uint
{
    Success = 0,
    LocalLengthError = 1,
    LocalProtectionError = 4,
    WorkRequestFlushed = 5,
    RemoteInvalidRequest = 9,
    RemoteAccessError = 10,
    RetryExceeded = 12,
    ReceiverNotReadyRetryExceeded = 13,
}
