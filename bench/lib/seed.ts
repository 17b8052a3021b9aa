/**
 * User tokens for the bench, obtained the way a real client gets them: the test helpers walk
 * authorize → login → consent over HTTP, then exchange the code. Each result is a grant with
 * a refresh token and a JWT access token carrying `gid`.
 */
import { TEST_CLIENT } from '../../example-app/app.js';
import { codeFlow } from '../../test/helpers/oauth-client.js';

export interface UserTokens {
  accessToken: string;
  refreshToken: string;
}

export const USER_SCOPE = 'tasks:read projects:read';

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms).unref(),
    ),
  ]);
}

export async function userTokens(issuer: string): Promise<UserTokens> {
  const tokens = await withTimeout(
    codeFlow(issuer, TEST_CLIENT, `${issuer}/callback`, USER_SCOPE),
    15_000,
    'code flow',
  );
  if (!tokens.refresh_token) throw new Error('the code exchange returned no refresh token');
  return { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
}

/** `count` grants, a few flows at a time. */
export async function seedGrants(issuer: string, count: number, concurrency = 6): Promise<UserTokens[]> {
  const out: UserTokens[] = [];
  let started = 0;
  async function worker() {
    while (started < count) {
      started += 1;
      out.push(await userTokens(issuer));
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
