/**
 * A request the kit refuses before oidc-provider sees it (rate limit, plain HTTP in
 * production). `kitErrorHandler` answers it with `status`, `headers` and an RFC 6749-shaped
 * JSON body, or with the kit's error page on browser routes.
 */
export class KitRequestError extends Error {
  readonly expose = true;
  constructor(
    readonly status: number,
    readonly error: string,
    readonly error_description: string,
    /** Answer with the HTML error page (browser routes) rather than JSON. */
    readonly page: boolean,
  ) {
    super(error_description);
    this.name = 'KitRequestError';
  }

  get headers(): Record<string, string> {
    return {};
  }

  toJSON(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.error_description };
  }
}
