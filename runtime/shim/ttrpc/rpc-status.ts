/** gRPC status codes (ttrpc carries google.rpc.Status): containerd maps them to its errdefs. */
export const Code = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  ALREADY_EXISTS: 6, FAILED_PRECONDITION: 9, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14,
} as const;

/** An error that reaches the caller as a status with this code and message. */
export class RpcError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export const notFound = (what: string) => new RpcError(Code.NOT_FOUND, what);
export const invalid = (what: string) => new RpcError(Code.INVALID_ARGUMENT, what);
export const precondition = (what: string) => new RpcError(Code.FAILED_PRECONDITION, what);
