/** Errors a user can meet while talking to a registry; each names the registry, the repository and what was asked. */

export class RegistryError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** The registry refused or failed a request: says which registry, repository and reference, and the HTTP status. */
export class RegistryHttpError extends RegistryError {
  constructor(what: string, registry: string, repository: string, reference: string, status: number, detail: string) {
    super(`${what} ${registry}/${repository}:${reference} failed: HTTP ${status}${detail ? ` (${detail})` : ''}`, status);
  }
}

/** Content whose bytes do not hash to the digest (or size) it was announced with. Never stored. */
export class DigestMismatchError extends RegistryError {
  constructor(readonly where: string, readonly expected: string, readonly actual: string) {
    super(`${where}: content does not match its descriptor (expected ${expected}, got ${actual}); discarded`);
  }
}

/** Reads the error list the distribution spec puts in failed responses: "MANIFEST_UNKNOWN: manifest unknown". */
export function describeErrorBody(body: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) {
      return parsed.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    }
  } catch {
    /* not the spec's error body */
  }
  return body.replace(/\s+/g, ' ').trim().slice(0, 200);
}
