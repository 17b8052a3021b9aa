/**
 * OAuth 2.1 (draft-ietf-oauth-v2-1 §4.1.3): a code issued with PKCE may be exchanged without
 * `redirect_uri`, since the verifier already binds it to the client that started the flow.
 * When `redirect_uri` is sent it must still match exactly, and a code issued without PKCE
 * still requires it: oidc-provider checks both, so this only supplies the code's own
 * `redirect_uri` to a PKCE exchange that left it out.
 */
import type { ClientRequestBody } from './client-request-body.js';
import { withParam } from './client-request-body.js';

/** What the kit needs to know of a stored authorization code. */
export interface StoredCode {
  redirectUri?: string;
  codeChallenge?: string;
}

/**
 * Stands in for the missing `redirect_uri` when the code is not in the store: oidc-provider
 * then authenticates the client first and answers `invalid_grant` for the code, as for any
 * unknown code, instead of asking for a `redirect_uri` the PKCE client need not send.
 */
const UNKNOWN_CODE_REDIRECT_URI = 'urn:oauth-kit:unknown-code';

/** Whether `completePkceCodeExchange` may change a request with these parameters. */
export function mayOmitRedirectUri(params: ClientRequestBody['params']): boolean {
  return (
    params.grant_type === 'authorization_code' &&
    params.redirect_uri === undefined &&
    typeof params.code === 'string'
  );
}

export async function completePkceCodeExchange(
  body: ClientRequestBody,
  findCode: (code: string) => Promise<StoredCode | undefined>,
): Promise<ClientRequestBody> {
  const { code, code_verifier } = body.params;
  if (!mayOmitRedirectUri(body.params) || typeof code !== 'string') return body;
  const stored = await findCode(code);
  if (stored?.codeChallenge && stored.redirectUri) return withParam(body, 'redirect_uri', stored.redirectUri);
  if (!stored && typeof code_verifier === 'string') {
    return withParam(body, 'redirect_uri', UNKNOWN_CODE_REDIRECT_URI);
  }
  return body;
}
