/**
 * Signing keys: rotation without downtime, the `express-oauth-kit keys` command, key sources, and what
 * production refuses to start without.
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { TEST_CLIENT } from '../../example-app/app.js';
import { securityFromEnv } from '../../example-app/security-env.js';
import { generateSecrets } from '../../lib/keys/generate.js';
import { resolveOptions } from '../../lib/config/validate.js';
import { runCli } from '../../lib/keys/cli.js';
import {
  ConfigurationError,
  parseSecrets,
  rotateSecrets,
  signingKeyFromPem,
  type OAuthKitOptions,
  type Secrets,
} from '../../lib/index.js';
import type { ExampleAppOptions } from '../../example-app/app.js';
import { startExampleApp } from '../helpers/example-server.js';
import { callApi, tokenRequest } from '../helpers/oauth-client.js';

/** Every server of a rotation is "the same deployment": one issuer, restarted with new keys. */
const ISSUER = 'http://auth.example.test';

async function withServer<T>(
  options: Partial<ExampleAppOptions>,
  run: (base: string, jwksKids: string[]) => Promise<T>,
): Promise<T> {
  const server = await startExampleApp({ issuer: ISSUER, ...options });
  const base = `http://localhost:${server.port}`;
  try {
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    return await run(
      base,
      jwks.keys.map((k) => k.kid!),
    );
  } finally {
    await server.close();
  }
}

async function issue(base: string): Promise<string> {
  const { json } = await tokenRequest(
    base,
    { grant_type: 'client_credentials', scope: 'tasks:read' },
    TEST_CLIENT,
  );
  return json.access_token as string;
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const api = async (base: string, token: string) => (await callApi(base, '/v1/tasks', token)).status;

test('a rotation publishes the next key before it signs, and keeps the old key until its tokens expired', async () => {
  const initial = await generateSecrets('ES256');
  const k0 = initial.signingKeys[0]!.kid!;
  const t0 = await withServer({ security: { secrets: initial } }, async (base, kids) => {
    expect(kids).toEqual([k0]);
    return issue(base);
  });
  expect(kidOf(t0)).toBe(k0);

  // Step 1: the next key is published, the current one still signs.
  const staged = await rotateSecrets(initial, { alg: 'ES256', tokenLifetimeSeconds: 3600 });
  expect(staged.action).toBe('staged');
  const k1 = staged.kid;
  await withServer({ security: { secrets: staged.secrets } }, async (base, kids) => {
    expect(kids).toEqual([k0, k1]);
    expect(kidOf(await issue(base))).toBe(k0);
    expect(await api(base, t0)).toBe(200);
  });

  // Step 2: the next key signs; the old one stays published and its tokens keep working.
  const promoted = await rotateSecrets(staged.secrets, { alg: 'ES256', tokenLifetimeSeconds: 3600 });
  expect(promoted).toMatchObject({ action: 'promoted', kid: k1, removed: [] });
  const t1 = await withServer({ security: { secrets: promoted.secrets } }, async (base, kids) => {
    expect(kids).toEqual([k1, k0]);
    const token = await issue(base);
    expect(kidOf(token)).toBe(k1);
    expect(await api(base, t0)).toBe(200);
    expect(await api(base, token)).toBe(200);
    return token;
  });

  // Once every token the old key signed has expired, the next rotation removes it.
  const retiredAt = (promoted.secrets.signingKeys[1] as JWK & { retired_at: number }).retired_at;
  expect(retiredAt).toBeGreaterThan(decodeJwt(t0).iat! - 5);
  const early = await rotateSecrets(promoted.secrets, {
    alg: 'ES256',
    tokenLifetimeSeconds: 3600,
    now: retiredAt + 3600,
  });
  expect(early.removed).toEqual([]);
  const pruned = await rotateSecrets(promoted.secrets, {
    alg: 'ES256',
    tokenLifetimeSeconds: 3600,
    now: retiredAt + 3601,
  });
  expect(pruned).toMatchObject({ action: 'staged', removed: [k0] });
  await withServer({ security: { secrets: pruned.secrets } }, async (base, kids) => {
    expect(kids).toEqual([k1, pruned.kid]);
    expect(await api(base, t0)).toBe(401);
    expect(await api(base, t1)).toBe(200);
  });
});

test.each(['ES256', 'EdDSA', 'RS256', 'PS256'] as const)(
  '%s signs access tokens that verify against the published JWKS',
  async (alg) => {
    const secrets = await generateSecrets(alg);
    await withServer({ security: { secrets, signingAlgorithm: alg } }, async (base, kids) => {
      const token = await issue(base);
      expect(decodeProtectedHeader(token)).toMatchObject({ alg, typ: 'at+jwt', kid: kids[0] });
      const published = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
      // Public members only, with what clients select keys by.
      for (const key of published.keys) {
        expect(Object.keys(key).filter((m) => ['d', 'p', 'q', 'dp', 'dq', 'qi', 'priv'].includes(m))).toEqual(
          [],
        );
      }
      expect(published.keys[0]).toMatchObject({ alg, use: 'sig', kid: kids[0] });
      const jwks = createLocalJWKSet(published);
      const { payload } = await jwtVerify(token, jwks, { issuer: ISSUER, algorithms: [alg] });
      expect(payload.client_id).toBe(TEST_CLIENT.clientId);
      // A changed signature character is refused: the signature really covers the token.
      const [header, body, signature] = token.split('.');
      const tampered = `${signature!.slice(0, 10)}${signature![10] === 'A' ? 'B' : 'A'}${signature!.slice(11)}`;
      await expect(jwtVerify(`${header}.${body}.${tampered}`, jwks)).rejects.toThrow();
      expect(await api(base, token)).toBe(200);
    });
  },
);

test('keys load from a PEM file or the JSON the CLI writes, through the environment of the example app', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oauth-kit-keys-'));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(join(dir, 'signing.pem'), pem);
  const cookieKey = 'c'.repeat(40);
  const fromPem = await securityFromEnv({
    OAUTH_KIT_SIGNING_KEY_FILE: join(dir, 'signing.pem'),
    OAUTH_KIT_COOKIE_KEYS: cookieKey,
  });
  expect(fromPem.secrets).toMatchObject({
    signingKeys: [{ kty: 'EC', crv: 'P-256', alg: 'ES256' }],
    cookieKeys: [cookieKey],
  });
  await withServer({ security: fromPem }, async (base) =>
    expect(await api(base, await issue(base))).toBe(200),
  );

  const json = JSON.stringify(await generateSecrets('ES256'));
  expect((await securityFromEnv({ OAUTH_KIT_SECRETS: json })).secrets).toEqual(JSON.parse(json));
  writeFileSync(join(dir, 'secrets.json'), json);
  expect((await securityFromEnv({ OAUTH_KIT_SECRETS_FILE: join(dir, 'secrets.json') })).secrets).toEqual(
    JSON.parse(json),
  );

  expect(() => parseSecrets('{', 'OAUTH_KIT_SECRETS')).toThrow(/OAUTH_KIT_SECRETS.*not valid JSON/);
  await expect(
    signingKeyFromPem('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----', 'ES256'),
  ).rejects.toThrow(ConfigurationError);
});

describe('express-oauth-kit keys', () => {
  function capture() {
    const io = { stdout: '', stderr: '' };
    return {
      io,
      sink: { out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) },
    };
  }

  test('generate writes a 0600 secrets file the kit starts with; rotate stages, then promotes', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'oauth-kit-cli-')), 'secrets.json');
    const { io, sink } = capture();
    expect(await runCli(['keys', 'generate', '--out', file], sink)).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(io.stdout).toBe('');
    const generated = JSON.parse(readFileSync(file, 'utf8')) as Secrets;
    expect(generated.signingKeys[0]).toMatchObject({
      kty: 'EC',
      alg: 'ES256',
      use: 'sig',
      d: expect.any(String),
    });
    await withServer({ security: { secrets: generated } }, async (base) =>
      expect(await api(base, await issue(base))).toBe(200),
    );

    expect(await runCli(['keys', 'rotate', '--file', file], sink)).toBe(0);
    const staged = JSON.parse(readFileSync(file, 'utf8')) as Secrets;
    expect(staged.nextSigningKeys).toHaveLength(1);
    expect(io.stderr).toContain('signs nothing yet');
    expect(await runCli(['keys', 'rotate', '--file', file], sink)).toBe(0);
    const promoted = JSON.parse(readFileSync(file, 'utf8')) as Secrets;
    expect(promoted.signingKeys.map((k) => k.kid)).toEqual([
      staged.nextSigningKeys![0]!.kid,
      generated.signingKeys[0]!.kid,
    ]);
    expect(promoted.nextSigningKeys).toBeUndefined();
    expect(promoted.cookieKeys).toEqual(generated.cookieKeys);
  });

  test('rotate narrows a secrets file made readable to others (e.g. by `> file`) to 0600', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'oauth-kit-cli-')), 'secrets.json');
    const { io, sink } = capture();
    expect(await runCli(['keys', 'generate'], sink)).toBe(0);
    expect(io.stderr).toContain('--out');
    writeFileSync(file, io.stdout, { mode: 0o644 });
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(await runCli(['keys', 'rotate', '--file', file], sink)).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test('mistakes get the usage and exit code 2', async () => {
    for (const args of [
      [],
      ['keys'],
      ['keys', 'rotate'],
      ['keys', 'generate', '--alg', 'HS256'],
      ['keys', 'generate', '--nope'],
    ]) {
      const { io, sink } = capture();
      expect([args, await runCli(args, sink)]).toEqual([args, 2]);
      expect(io.stderr).not.toBe('');
    }
  });

  test('bin/express-oauth-kit.js runs with plain node, without a build step', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['bin/express-oauth-kit.js', 'keys', 'generate', '--alg', 'EdDSA'],
      {
        env: { PATH: process.env.PATH },
      },
    );
    const secrets = parseSecrets(stdout);
    expect(secrets.signingKeys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(secrets.cookieKeys[0]!.length).toBeGreaterThanOrEqual(32);
  });
});

describe('production refuses to start', () => {
  const base: OAuthKitOptions = {
    issuer: 'https://auth.example.test',
    scopes: [{ name: 'tasks:read', description: 'Read your tasks' }],
    accounts: { authenticate: async () => undefined, find: async () => undefined },
    production: true,
    logger: false,
  };
  const optionOf = async (options: OAuthKitOptions) => {
    try {
      await resolveOptions(options);
      return undefined;
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return (error as ConfigurationError).option;
    }
  };

  test('without signing keys or cookie secrets', async () => {
    const secrets = await generateSecrets('ES256');
    expect(await optionOf(base)).toBe('secrets');
    expect(await optionOf({ ...base, secrets: { ...secrets, signingKeys: [] } })).toBe('secrets.signingKeys');
    expect(await optionOf({ ...base, secrets: { ...secrets, cookieKeys: [] } })).toBe('secrets.cookieKeys');
    expect(await optionOf({ ...base, secrets: { ...secrets, cookieKeys: ['short'] } })).toBe(
      'secrets.cookieKeys',
    );
    expect(await optionOf({ ...base, secrets, signingAlgorithm: 'RS256' })).toBe('secrets.signingKeys');
    const publicOnly = { ...secrets.signingKeys[0]!, d: undefined };
    expect(await optionOf({ ...base, secrets: { ...secrets, nextSigningKeys: [publicOnly] } })).toBe(
      'secrets.nextSigningKeys[0]',
    );
    expect(await optionOf({ ...base, secrets })).toBeUndefined();
  });

  test('with an http: issuer, unless explicitly allowed for localhost', async () => {
    const secrets = await generateSecrets('ES256');
    expect(await optionOf({ ...base, secrets, issuer: 'http://auth.example.test' })).toBe('issuer');
    expect(await optionOf({ ...base, secrets, issuer: 'http://localhost:3000' })).toBe('issuer');
    expect(
      await optionOf({
        ...base,
        secrets,
        issuer: 'http://auth.example.test',
        dangerouslyAllowHttpLocalhost: true,
      }),
    ).toBe('issuer');
    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000']) {
      expect(
        await optionOf({ ...base, secrets, issuer: `http://${host}`, dangerouslyAllowHttpLocalhost: true }),
      ).toBeUndefined();
    }
    // Development keeps http for the example app.
    expect(
      await optionOf({ ...base, production: false, secrets, issuer: 'http://localhost:3000' }),
    ).toBeUndefined();
  });
});
