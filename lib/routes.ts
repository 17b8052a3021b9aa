/**
 * Where the kit serves what: oidc-provider's endpoints and the login and consent pages. A leaf:
 * the provider, the interaction router, the rate limits and the machine endpoints all read it.
 */

/** Where the kit serves oidc-provider's endpoints. */
export const ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  jwks: '/.well-known/jwks.json',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
  registration: '/oauth/register',
  pushed_authorization_request: '/oauth/par',
} as const;

/** The login and consent pages, one per interaction: `${INTERACTION_PATH}/:uid`. */
export const INTERACTION_PATH = '/oauth/interaction';
