/**
 * Typed errors with stable codes. Callers and tests match on `code`, never on message text
 * (the habit of undici and ws).
 */
export class KemuError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'KemuError';
  }
}

export function isKemuError(err: unknown, code?: string): err is KemuError {
  return err instanceof KemuError && (code === undefined || err.code === code);
}
