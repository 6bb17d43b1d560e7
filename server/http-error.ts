// An error a handler throws on purpose: it becomes `{ error: { code, message } }` with this status.
import type { Problem } from '../policy/index.ts';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly problems?: Problem[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}
