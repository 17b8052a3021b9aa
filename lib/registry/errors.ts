/**
 * Errors of the app registry. Pages and the JSON API both answer them: the code follows RFC 7591
 * (client registration) where one fits, so automation can `switch` on it. On the kit's error
 * base (errors/kit-error.ts): `error` and `code` are the same code.
 */
import { KitError } from '../errors/kit-error.js';

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

export class RegistryError extends KitError {
  declare readonly description: string;
  declare readonly error: RegistryErrorCode;
  constructor(
    readonly code: RegistryErrorCode,
    description: string,
    /** Per-field messages for forms (`name`, `homepage_url`, `redirect_uris`, ...). */
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(STATUS[code], code, description, { expose: true });
    this.name = 'RegistryError';
  }

  override toJSON(): { error: string; error_description: string; fields?: Record<string, string> } {
    return {
      error: this.code,
      error_description: this.description,
      ...(Object.keys(this.fields).length ? { fields: this.fields } : {}),
    };
  }
}
