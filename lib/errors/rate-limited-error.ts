/**
 * A request refused by a rate limit or the login lockout: 429 with `Retry-After`, answered as
 * JSON `{"error":"rate_limited","error_description":"…"}` on API endpoints and as the kit's
 * error page on browser routes (authorize, login).
 */
export class RateLimitedError extends Error {
  readonly status = 429;
  readonly expose = true;
  readonly error = 'rate_limited';
  constructor(
    /** Seconds until the client may try again. */
    readonly retryAfterSeconds: number,
    /** Answer with the HTML error page (browser routes) rather than JSON. */
    readonly page: boolean,
    readonly error_description = `Too many requests. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`,
  ) {
    super(error_description);
    this.name = 'RateLimitedError';
  }

  get headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfterSeconds) };
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.error_description };
  }
}
