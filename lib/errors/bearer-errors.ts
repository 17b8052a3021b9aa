/**
 * RFC 6750 errors as classes on the kit's error base (kit-error.ts). Each carries its status,
 * its `WWW-Authenticate` header (built in one place) and an RFC-shaped JSON body. requireScope
 * passes them to `next(err)`; Express's own final handler already honours `status` and
 * `headers`, and `oauthErrorHandler()` adds the body.
 */
import { KitError } from './kit-error.js';

export type BearerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'invalid_dpop_proof'
  | 'temporarily_unavailable';

/** The authentication scheme a challenge is for (RFC 6750 Bearer, RFC 9449 DPoP). */
export type AuthScheme = 'Bearer' | 'DPoP';

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

export class BearerError extends KitError {
  /** Absent when the request carried no credentials at all (RFC 6750 §3.1); `error` is then `invalid_token`. */
  readonly code: BearerErrorCode | undefined;
  /** Scopes the resource requires (insufficient_scope), or to ask for first (no token). */
  scope: string | undefined;
  realm: string | undefined;
  /** RFC 9728 §5.1: where the protected resource's metadata is; requireScope sets it. */
  resourceMetadata: string | undefined;
  /** The scheme the error is about: a DPoP request's errors are DPoP challenges (RFC 9449 §7.1). */
  scheme: AuthScheme = 'Bearer';
  /** Set when the resource server accepts DPoP: a DPoP challenge names these `algs`. */
  dpopAlgorithms: readonly string[] | undefined;

  constructor(status: number, code: BearerErrorCode | undefined, description?: string, scope?: string) {
    super(status, code ?? 'invalid_token', description, { expose: true });
    this.message = description ?? code ?? 'authentication required';
    this.name = 'BearerError';
    this.code = code;
    this.scope = scope;
  }

  /** Read by Express's final handler too. */
  override get headers(): Record<string, string> {
    if (this.status === 503) return { 'Retry-After': '1' };
    const params: string[] = [];
    if (this.realm) params.push(`realm=${quote(this.realm)}`);
    if (this.code) params.push(`error=${quote(this.code)}`);
    // RFC 6750 §3.1: a request without credentials gets a challenge without error details.
    if (this.code && this.description) params.push(`error_description=${quote(this.description)}`);
    if (this.scope) params.push(`scope=${quote(this.scope)}`);
    if (this.resourceMetadata) params.push(`resource_metadata=${quote(this.resourceMetadata)}`);
    const algs = this.dpopAlgorithms?.length ? `algs=${quote(this.dpopAlgorithms.join(' '))}` : undefined;
    if (this.scheme === 'DPoP') {
      return { 'WWW-Authenticate': `DPoP ${[...params, ...(algs ? [algs] : [])].join(', ')}` };
    }
    // A Bearer request's challenge stays Bearer only: RFC 6750 clients (and RFC 9728 readers)
    // look at the first challenge; DPoP clients learn the algorithms from the metadata.
    return { 'WWW-Authenticate': params.length ? `Bearer ${params.join(', ')}` : 'Bearer' };
  }

  override toJSON(): { error: string; error_description?: string; scope?: string } {
    return {
      error: this.error,
      ...(this.description ? { error_description: this.description } : {}),
      ...(this.scope ? { scope: this.scope } : {}),
    };
  }
}

export class InvalidRequestError extends BearerError {
  constructor(description = 'The request is malformed.') {
    super(400, 'invalid_request', description);
    this.name = 'InvalidRequestError';
  }
}

export class InvalidTokenError extends BearerError {
  constructor(description = 'The access token is invalid.', scheme: AuthScheme = 'Bearer') {
    super(401, 'invalid_token', description);
    this.name = 'InvalidTokenError';
    this.scheme = scheme;
  }
}

/** A DPoP proof is missing, malformed, or not for this request, token or key (RFC 9449 §7.1). */
export class InvalidDpopProofError extends BearerError {
  constructor(description = 'The DPoP proof is invalid.') {
    super(401, 'invalid_dpop_proof', description);
    this.name = 'InvalidDpopProofError';
    this.scheme = 'DPoP';
  }
}

/** No credentials in the request: 401 with a bare challenge. */
export class UnauthorizedError extends BearerError {
  constructor() {
    super(401, undefined, 'An access token is required.');
    this.name = 'UnauthorizedError';
  }
}

export class InsufficientScopeError extends BearerError {
  constructor(requiredScopes: string[]) {
    super(
      403,
      'insufficient_scope',
      'The access token does not grant the required scope.',
      requiredScopes.join(' '),
    );
    this.name = 'InsufficientScopeError';
  }
}

/** The token store could not be reached: fail closed. */
export class TokenStoreUnavailableError extends BearerError {
  constructor() {
    super(503, 'temporarily_unavailable', 'Token validation is temporarily unavailable.');
    this.name = 'TokenStoreUnavailableError';
  }
}
