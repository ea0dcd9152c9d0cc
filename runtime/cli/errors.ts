/** An error a user can meet: one line that says what was wrong and where. Never a stack trace. */
export class TsrunError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'TsrunError';
  }
}

export function errnoOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}
