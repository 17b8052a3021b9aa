/**
 * A request refused by a rate limit: 429 with `Retry-After`, answered as JSON
 * `{"error":"rate_limited","error_description":"…"}` on API endpoints and as the kit's error
 * page on browser routes (authorize, login).
 */
import { KitRequestError } from './request-error.js';

export class RateLimitedError extends KitRequestError {
  constructor(
    /** Seconds until the client may try again. */
    readonly retryAfterSeconds: number,
    page: boolean,
  ) {
    super(
      429,
      'rate_limited',
      `Too many requests. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
      page,
    );
    this.name = 'RateLimitedError';
  }

  override get headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }
}
