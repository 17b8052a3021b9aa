/**
 * Errors of the app registry. Pages and the JSON API both answer them: the code follows RFC 7591
 * (client registration) where one fits, so automation can `switch` on it.
 */
export type RegistryErrorCode =
  | 'invalid_request'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'invalid_scope'
  | 'not_found'
  | 'forbidden'
  | 'limit_exceeded';

const STATUS: Record<RegistryErrorCode, number> = {
  invalid_request: 400,
  invalid_redirect_uri: 400,
  invalid_client_metadata: 400,
  invalid_scope: 400,
  not_found: 404,
  forbidden: 403,
  limit_exceeded: 409,
};

export class RegistryError extends Error {
  readonly expose = true;
  readonly status: number;
  constructor(
    readonly code: RegistryErrorCode,
    readonly description: string,
    /** Per-field messages for forms (`name`, `homepage_url`, `redirect_uris`, ...). */
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(description);
    this.name = 'RegistryError';
    this.status = STATUS[code];
  }

  toJSON(): Record<string, unknown> {
    return {
      error: this.code,
      error_description: this.description,
      ...(Object.keys(this.fields).length ? { fields: this.fields } : {}),
    };
  }
}
