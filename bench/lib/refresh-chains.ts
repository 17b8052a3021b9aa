/**
 * Refresh-token chains for the refresh and soak scenarios: one chain per connection, each
 * response's refresh_token feeding the next request (rotation on every use).
 */
import { TEST_CLIENT } from '../../example-app/app.js';
import { formPost, type Request } from './load.js';
import type { UserTokens } from './seed.js';

export const BASIC: [string, string] = [TEST_CLIENT.clientId, TEST_CLIENT.clientSecret];
export const CC_FORM = { grant_type: 'client_credentials', scope: 'tasks:read projects:read' };

export interface Chain {
  refreshToken: string;
  accessToken: string;
  inflight: boolean;
  broken: boolean;
}

export const toChain = (t: UserTokens): Chain => ({
  refreshToken: t.refreshToken,
  accessToken: t.accessToken,
  inflight: false,
  broken: false,
});

export function refreshRequest(chain: Chain, onStatus?: (status: number) => void): Request {
  return {
    ...formPost('/oauth/token', { grant_type: 'refresh_token', refresh_token: '' }, BASIC),
    setupRequest: (req: Request) => {
      chain.inflight = true;
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: chain.refreshToken });
      return { ...req, body: body.toString() };
    },
    onResponse: (status: number, body: string) => {
      chain.inflight = false;
      onStatus?.(status);
      if (status === 200) {
        const json = JSON.parse(body) as { refresh_token: string; access_token: string };
        chain.refreshToken = json.refresh_token;
        chain.accessToken = json.access_token;
      } else chain.broken = true;
    },
  };
}
