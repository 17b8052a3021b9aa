/**
 * `kit.endSession(req, res)`: the product's own sign-out ends the authorization server's session
 * of the browser too. oidc-provider keeps that session in the store under the id its signed
 * session cookie carries; `Session.get` (its public model API, on a Koa context of its own app)
 * finds it, and destroying it leaves the cookie pointing at nothing, so the next authorization
 * starts with the login step. Grants are not touched: connected apps keep their access.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';

export async function endProviderSession(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const session = await provider.Session.get(provider.app.createContext(req, res));
  if (session.accountId !== undefined) await session.destroy();
}
