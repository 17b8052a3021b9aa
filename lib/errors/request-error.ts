/**
 * A request the kit refuses before oidc-provider sees it (rate limit, plain HTTP in
 * production, a form that cannot be verified). `kitErrorHandler` answers it with `status`,
 * `headers` and an RFC 6749-shaped JSON body, or with the kit's error page on browser routes.
 */
import { KitError, type KitErrorCode } from './kit-error.js';

export class KitRequestError extends KitError {
  declare readonly description: string;

  constructor(
    status: number,
    error: KitErrorCode,
    description: string,
    /** Answer with the HTML error page (browser routes) rather than JSON. */
    readonly page: boolean,
  ) {
    super(status, error, description, { expose: true });
    this.name = 'KitRequestError';
  }

  /** The description under its RFC 6749 name. */
  get error_description(): string {
    return this.description;
  }
}
