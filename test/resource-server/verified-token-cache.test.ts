/**
 * The verified-token cache: a token's signature is checked once, but nothing it remembers
 * outlives the token, a revoked grant, its age limit or its size bound.
 */
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { VERIFIED_TOKEN_CACHE_OPTIONS } from '../../lib/config/defaults.js';
import { resolveTable } from '../../lib/config/schema.js';
import { resolveOptions } from '../../lib/config/validate.js';
import { ConfigurationError } from '../../lib/errors/configuration-error.js';
import { InvalidTokenError } from '../../lib/errors/bearer-errors.js';
import { createTestIssuer, type TestIssuer } from '../../lib/testing.js';
import {
  createTokenVerifier,
  type VerifiedTokenCacheSettings,
  type VerifierOptions,
} from '../../lib/resource-server/verify.js';
import { TEST_CLIENT } from '../../example-app/app.js';
import { startExampleApp } from '../helpers/example-server.js';
import { callApi, codeFlow, revokeToken } from '../helpers/oauth-client.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

/** The documented cache defaults. */
const CACHE_DEFAULTS = resolveTable(VERIFIED_TOKEN_CACHE_OPTIONS, {}, '', 'a cache option');

/**
 * A verifier over the test issuer that counts signature checks and grant checks; `cache`
 * settings not given take their documented defaults.
 */
function verifier(
  overrides: Omit<Partial<VerifierOptions>, 'cache'> & {
    cache?: Partial<VerifiedTokenCacheSettings> | false;
  } = {},
) {
  const local = createLocalJWKSet(issuer.jwks);
  const counts = { signatures: 0, grantChecks: 0 };
  const revoked = new Set<string>();
  const keys: JWTVerifyGetKey = (header, token) => {
    counts.signatures += 1;
    return local(header, token);
  };
  const verify = createTokenVerifier({
    issuer: issuer.issuer,
    audience: issuer.audience,
    keys,
    algorithms: ['ES256'],
    clockToleranceSeconds: 0,
    async isGrantActive(grantId) {
      counts.grantChecks += 1;
      return !revoked.has(grantId);
    },
    ...overrides,
    cache: overrides.cache === false ? false : { ...CACHE_DEFAULTS, ...overrides.cache },
  });
  return { verify, counts, revoked };
}

test('a token is verified once, then served from the cache while its grant is checked every time', async () => {
  const { verify, counts } = verifier();
  const token = await issuer.mint({ scopes: ['tasks:read'], claims: { gid: 'g1' } });
  for (let i = 0; i < 5; i += 1) expect((await verify(token)).scopes).toEqual(['tasks:read']);
  expect(counts.signatures).toBe(1);
  expect(counts.grantChecks).toBe(5);
});

test('a revoked grant is refused even when its token is cached, and stays refused', async () => {
  const { verify, revoked } = verifier();
  const token = await issuer.mint({ scopes: ['tasks:read'], claims: { gid: 'g2' } });
  await verify(token);
  revoked.add('g2');
  await expect(verify(token)).rejects.toThrow(InvalidTokenError);
  await expect(verify(token)).rejects.toThrow('The access token has been revoked.');
});

test('a cached token is refused once it expires', async () => {
  let clock = Date.now();
  const { verify, counts } = verifier({ now: () => clock });
  const token = await issuer.mint({ scopes: ['tasks:read'], expiresIn: 30 });
  await verify(token);
  clock += 29_000;
  await verify(token);
  expect(counts.signatures).toBe(1);
  clock += 2_000;
  await expect(verify(token)).rejects.toThrow('The access token expired.');
});

test('a verification is reused for maxAgeSeconds at most, then the signature is checked again', async () => {
  let clock = Date.now();
  const { verify, counts } = verifier({ now: () => clock, cache: { maxAgeSeconds: 10 } });
  const token = await issuer.mint({ scopes: ['tasks:read'] });
  await verify(token);
  clock += 9_000;
  await verify(token);
  expect(counts.signatures).toBe(1);
  clock += 2_000;
  await verify(token);
  expect(counts.signatures).toBe(2);
});

test('the cache is bounded: past maxEntries the oldest token is verified again', async () => {
  const { verify, counts } = verifier({ cache: { maxEntries: 2 } });
  const [a, b, c] = await Promise.all([issuer.mint(), issuer.mint(), issuer.mint()]);
  for (const token of [a!, b!, c!]) await verify(token);
  expect(counts.signatures).toBe(3);
  await verify(c!);
  expect(counts.signatures).toBe(3);
  await verify(a!);
  expect(counts.signatures).toBe(4);
});

test('what one request does to req.auth does not reach the next request', async () => {
  const { verify } = verifier();
  const token = await issuer.mint({ scopes: ['tasks:read'] });
  const first = await verify(token);
  first.scopes.push('admin:*');
  first.claims.scope = 'admin:*';
  const second = await verify(token);
  second.scopes.push('files:write');
  const third = await verify(token);
  expect(third.scopes).toEqual(['tasks:read']);
  expect(third.claims.scope).toBe('tasks:read');
});

test('a token that failed verification is not cached', async () => {
  const { verify, counts } = verifier();
  const expired = await issuer.mint({ expiresIn: -60 });
  await expect(verify(expired)).rejects.toThrow(InvalidTokenError);
  await expect(verify(expired)).rejects.toThrow(InvalidTokenError);
  expect(counts.signatures).toBe(2);
});

test('verifiedTokenCache: false checks the signature on every request', async () => {
  const { verify, counts } = verifier({ cache: false });
  const token = await issuer.mint();
  await verify(token);
  await verify(token);
  expect(counts.signatures).toBe(2);
});

test('cache settings are validated with the option path', async () => {
  const base = {
    issuer: 'http://localhost:3999',
    scopes: [{ name: 'tasks:read', description: 'Read tasks' }],
    accounts: { authenticate: async () => undefined, find: async () => undefined },
    devSecretsFile: `/tmp/oauth-kit-cache-test-${process.pid}/dev.json`,
  };
  const warn = { info: () => undefined, warn: () => undefined };
  await expect(
    resolveOptions({ ...base, resourceServer: { verifiedTokenCache: { maxEntires: 5 } as never } }, warn),
  ).rejects.toThrow(ConfigurationError);
  await expect(
    resolveOptions({ ...base, resourceServer: { verifiedTokenCache: { maxAgeSeconds: -1 } } }, warn),
  ).rejects.toThrow(/resourceServer\.verifiedTokenCache\.maxAgeSeconds/);
  const resolved = await resolveOptions({ ...base, resourceServer: { verifiedTokenCache: false } }, warn);
  expect(resolved.resourceServer.verifiedTokenCache).toBe(false);
});

test('in-process: revoking a grant refuses its already-cached access token at once', async () => {
  const server = await startExampleApp();
  try {
    const tokens = await codeFlow(
      server.issuer,
      TEST_CLIENT,
      `http://localhost:${server.port}/callback`,
      'tasks:read',
    );
    expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);
    expect((await callApi(server.issuer, '/v1/tasks', tokens.access_token)).status).toBe(200);
    expect(await revokeToken(server.issuer, tokens.refresh_token!, TEST_CLIENT)).toBe(200);
    const after = await callApi(server.issuer, '/v1/tasks', tokens.access_token);
    expect(after.status).toBe(401);
    expect(after.json.error).toBe('invalid_token');
    const info = await callApi(server.issuer, '/v1/oauth/token/info', tokens.access_token);
    expect(info.status).toBe(401);
  } finally {
    await server.close();
  }
});

describe('the synchronous path (no promise when memory has the answer)', () => {
  test('answers only for a cached token whose grant status memory knows', async () => {
    const status = new Map<string, boolean>();
    const { verify, counts } = verifier({ knownGrantStatus: (id) => status.get(id) });
    const token = await issuer.mint({ scopes: ['tasks:read'], claims: { gid: 'g5' } });
    expect(verify.fromMemory!(token)).toBeUndefined(); // never verified
    await verify(token);
    expect(verify.fromMemory!(token)).toBeUndefined(); // grant status not in memory
    status.set('g5', true);
    expect(verify.fromMemory!(token)?.scopes).toEqual(['tasks:read']);
    expect(counts.signatures).toBe(1);
  });

  test('refuses a cached token as soon as memory knows its grant is revoked', async () => {
    const status = new Map<string, boolean>([['g6', true]]);
    const { verify } = verifier({ knownGrantStatus: (id) => status.get(id) });
    const token = await issuer.mint({ claims: { gid: 'g6' } });
    await verify(token);
    expect(verify.fromMemory!(token)).toBeDefined();
    status.set('g6', false);
    expect(() => verify.fromMemory!(token)).toThrow('The access token has been revoked.');
    expect(verify.fromMemory!(token)).toBeUndefined(); // the entry is gone
  });
});
