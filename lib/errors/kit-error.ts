/**
 * The one error base of the kit, after oidc-provider's errors and jose's JOSEError: an HTTP
 * `status`, a stable `error` code from {@link KitErrorCode} (the `error` member of the
 * RFC-shaped body, so callers can `switch` on it), a `description`, the `headers` the answer
 * carries, and `expose`: whether the client may see the status, code and description. An error
 * that is not exposed reaches the client as a bare `server_error` (errors/answer.ts).
 *
 * The store contract's errors (adapters/contract.ts) are oidc-provider's own classes instead:
 * they are thrown inside oidc-provider, which must recognise them. They carry the same fields
 * (`status`, `error`, `error_description`, `expose`) and are answered by the same code.
 */
export type KitErrorCode =
  // RFC 6749, RFC 6750, RFC 9449
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'invalid_scope'
  | 'temporarily_unavailable'
  | 'server_error'
  // RFC 7591 (the app registry)
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  // The kit's own
  | 'rate_limited'
  | 'form_expired'
  | 'login_required'
  | 'not_found'
  | 'forbidden'
  | 'limit_exceeded';

export class KitError extends Error {
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The stable code: the answer's `error`. */
  readonly error: KitErrorCode;
  /** What was wrong, for the developer (`error_description`). */
  readonly description: string | undefined;
  /** False: the client sees a bare `server_error`, and the error is logged by name. */
  readonly expose: boolean;

  constructor(
    status: number,
    error: KitErrorCode,
    description?: string,
    options: { expose?: boolean; cause?: unknown } = {},
  ) {
    super(description ?? error, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KitError';
    this.status = status;
    this.error = error;
    this.description = description;
    this.expose = options.expose ?? status < 500;
  }

  /** The status under the name Express's final handler and http-errors also read. */
  get statusCode(): number {
    return this.status;
  }

  /** Headers the answer carries (`WWW-Authenticate`, `Retry-After`); read by Express's final handler too. */
  get headers(): Record<string, string> {
    return {};
  }

  /** The RFC 6749-shaped body. */
  toJSON(): { error: string; error_description?: string } & Record<string, unknown> {
    return { error: this.error, ...(this.description ? { error_description: this.description } : {}) };
  }
}
