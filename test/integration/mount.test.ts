/** mountOAuth inside a host app that already has its own parsers, helmet and routes. */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import express, { type Express } from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { generateSecrets } from '../../lib/keys/generate.js';
import {
  ConfigurationError,
  mountOAuth,
  oauthErrorHandler,
  requireScope,
  type OAuthKit,
  type OAuthKitOptions,
} from '../../lib/index.js';

const run = promisify(execFile);
const devSecretsFile = () => join(mkdtempSync(join(tmpdir(), 'oauth-kit-mount-')), 'secrets.json');

function baseOptions(overrides: Partial<OAuthKitOptions> = {}): OAuthKitOptions {
  return {
    issuer: 'http://localhost:4000',
    devSecretsFile: devSecretsFile(),
    production: false,
    logger: false,
    scopes: [{ name: 'tasks:read', description: 'Read your tasks' }],
    accounts: { authenticate: async () => undefined, find: async () => undefined },
    clients: [
      {
        clientId: 'host_client',
        clientSecret: 'host-client-secret-for-tests',
        redirectUris: ['http://localhost:4000/cb'],
      },
    ],
    ...overrides,
  };
}

/** What the host serves: its app (the default), or the kit's fast path in front of it. */
type Serve = (kit: OAuthKit, app: Express) => Express | RequestListener;

describe.each<[string, boolean, Serve]>([
  ['routed through the host’s stack (the default)', false, (_kit, app) => app],
  ['answered before the host’s stack (kit.fastPath(app))', true, (kit, app) => kit.fastPath(app)],
])('machine endpoints %s', (_name, fastPath, serve) => {
  test('the token endpoint works behind the host’s global body parsers and helmet', async () => {
    const app = express();
    app.use(helmet());
    app.use(express.json());
    app.use(express.urlencoded({ extended: true }));
    const kit = await mountOAuth(app, baseOptions());
    app.get('/host-route', (_req, res) => res.json({ host: true }));
    app.use((_req, res) => res.status(404).json({ host404: true }));
    const server = serve(kit, app);

    const token = await request(server)
      .post('/oauth/token')
      .auth('host_client', 'host-client-secret-for-tests')
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'tasks:read' });
    expect(token.status).toBe(200);
    expect(token.body.access_token).toEqual(expect.any(String));

    expect((await request(server).get('/host-route')).body).toEqual({ host: true });
    // Paths the kit does not own fall through to the host.
    expect((await request(server).get('/oauth/not-ours')).body).toEqual({ host404: true });
    expect((await request(server).get('/.well-known/security.txt')).body).toEqual({ host404: true });
    await kit.close();
  });

  test('they work when the kit’s app is itself mounted in a parent Express app', async () => {
    const parent = express();
    const child = express();
    const kit = await mountOAuth(child, baseOptions());
    parent.use(child);
    // The fast path takes only the app given to mountOAuth: in front of the parent, it would
    // answer for an app that never sees the request.
    if (fastPath)
      expect(() => kit.fastPath(parent)).toThrow(/`fastPath`.*the Express app passed to mountOAuth/);
    const token = await request(parent)
      .post('/oauth/token')
      .auth('host_client', 'host-client-secret-for-tests')
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'tasks:read' });
    expect([token.status, typeof token.body.access_token]).toEqual([200, 'string']);
    expect((await request(parent).get('/.well-known/jwks.json')).status).toBe(200);
    await kit.close();
  });

  test('host middleware runs for them only in the host’s stack; the kit’s HTTPS rule, rate limits and proxy trust apply either way', async () => {
    const app = express();
    app.set('trust proxy', 1);
    const seen: string[] = [];
    app.use((req, _res, next) => {
      seen.push(req.path);
      next();
    });
    const events: Array<{ type: string; ip?: string }> = [];
    const kit = await mountOAuth(
      app,
      baseOptions({
        issuer: 'https://auth.example.test',
        production: true,
        trustProxy: true,
        secrets: await generateSecrets('ES256'),
        devSecretsFile: undefined,
        rateLimits: { token: { perIp: { points: 2, durationSeconds: 60 } } },
        onSecurityEvent: (event) => void events.push(event),
        logger: false,
      }),
    );
    app.get('/host-route', (_req, res) => res.json({ host: true }));
    const server = serve(kit, app);
    const token = (clientIp: string, proto = 'https') =>
      request(server)
        .post('/oauth/token')
        .set({ 'x-forwarded-for': clientIp, 'x-forwarded-proto': proto })
        .auth('host_client', 'host-client-secret-for-tests')
        .type('form')
        .send({ grant_type: 'client_credentials', scope: 'tasks:read' });

    expect((await token('203.0.113.9')).status).toBe(200);
    expect(events.at(-1)).toMatchObject({ type: 'token.issued', ip: '203.0.113.9' });
    expect((await token('203.0.113.9')).status).toBe(200);
    const limited = await token('203.0.113.9');
    expect([limited.status, limited.headers['retry-after'], limited.body.error]).toEqual([
      429,
      expect.stringMatching(/^\d+$/),
      'rate_limited',
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'rate_limit.exceeded', ip: '203.0.113.9' });
    // Another client IP behind the same proxy has its own budget.
    expect((await token('198.51.100.7')).status).toBe(200);
    const plainHttp = await token('198.51.100.8', 'http');
    expect([plainHttp.status, plainHttp.body]).toEqual([
      400,
      { error: 'invalid_request', error_description: 'HTTPS is required.' },
    ]);
    const jwks = await request(server).get('/.well-known/jwks.json').set('x-forwarded-proto', 'https');
    expect([jwks.status, jwks.body.keys?.length]).toEqual([200, 1]);

    expect((await request(server).get('/host-route')).body).toEqual({ host: true });
    expect(seen).toEqual(
      fastPath
        ? ['/host-route']
        : [...Array<string>(5).fill('/oauth/token'), '/.well-known/jwks.json', '/host-route'],
    );
    await kit.close();
  });
});

describe('coexisting with the host app', () => {
  test('changes nothing on the host app, the fast path included', async () => {
    const app = express();
    const before = {
      settings: { ...app.settings },
      stack: app.router?.stack?.length ?? 0,
      handle: (app as unknown as { handle: unknown }).handle,
      request: app.request,
      own: Object.keys(app).sort(),
    };
    const kit = await mountOAuth(app, baseOptions());
    const fast = kit.fastPath(app);
    expect(typeof fast).toBe('function');
    expect(app.get('trust proxy')).toBe(before.settings['trust proxy']);
    expect(app.get('view engine')).toBe(before.settings['view engine']);
    expect(app.router.stack.length).toBe(before.stack + 1); // one router, nothing else
    expect((app as unknown as { handle: unknown }).handle).toBe(before.handle);
    expect(app.request).toBe(before.request);
    expect(Object.keys(app).sort()).toEqual(before.own);
    await kit.close();
  });

  test('the fast path over a real socket: http.createServer(kit.fastPath(app)) issues tokens and the host’s routes answer', async () => {
    const app = express();
    const kit = await mountOAuth(app, baseOptions());
    app.get('/v1/tasks', kit.requireScope('tasks:read'), (req, res) =>
      res.json({ client: req.auth?.clientId }),
    );
    app.use(oauthErrorHandler());
    const server = createServer(kit.fastPath(app));
    try {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const token = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from('host_client:host-client-secret-for-tests').toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=tasks%3Aread',
        signal: AbortSignal.timeout(5000),
      });
      expect(token.status).toBe(200);
      const { access_token: accessToken } = (await token.json()) as { access_token: string };
      const tasks = await fetch(`${base}/v1/tasks`, {
        headers: { authorization: `Bearer ${accessToken}` },
        signal: AbortSignal.timeout(5000),
      });
      expect([tasks.status, await tasks.json()]).toEqual([200, { client: 'host_client' }]);
    } finally {
      server.closeAllConnections();
      server.close();
      await kit.close();
    }
  });
});

describe('requireScope in the host’s API sub-app', () => {
  test('requireScope protects routes of an API sub-app: kit.requireScope bound, and the import through the parent', async () => {
    const app = express();
    const kit = await mountOAuth(app, baseOptions());
    const api = express();
    api.get('/bound', kit.requireScope('tasks:read'), (req, res) => res.json({ client: req.auth?.clientId }));
    api.get('/imported', requireScope('tasks:read'), (req, res) => res.json({ client: req.auth?.clientId }));
    api.use(oauthErrorHandler());
    app.use('/v1', api);

    const token = await request(app)
      .post('/oauth/token')
      .auth('host_client', 'host-client-secret-for-tests')
      .type('form')
      .send({ grant_type: 'client_credentials', scope: 'tasks:read' });
    expect(token.status).toBe(200);
    for (const path of ['/v1/bound', '/v1/imported']) {
      const ok = await request(app).get(path).set('authorization', `Bearer ${token.body.access_token}`);
      expect([ok.status, ok.body]).toEqual([200, { client: 'host_client' }]);
      const none = await request(app).get(path);
      expect([none.status, none.headers['www-authenticate']]).toEqual([
        401,
        expect.stringContaining('scope="tasks:read"'),
      ]);
    }
    await kit.close();
  });
});

describe('configuration is validated at start-up', () => {
  const cases: Array<[string, Partial<OAuthKitOptions> & Record<string, unknown>, RegExp]> = [
    ['a missing issuer', { issuer: undefined as unknown as string }, /`issuer`.*URL/],
    ['an issuer with a query', { issuer: 'https://a.example/?x=1' }, /`issuer`.*query/],
    ['an empty scope catalog', { scopes: [] }, /`scopes`.*non-empty/],
    [
      'the removed directEndpoints, with what replaced it',
      { directEndpoints: false },
      /`directEndpoints`: was removed\. The machine endpoints now go through your Express stack.*`kit\.fastPath\(app\)`.*http\.createServer/,
    ],
    [
      'a scope without a description',
      { scopes: [{ name: 'a:b', description: '' }] },
      /`scopes\[0\]\.description`/,
    ],
    ['a scope with a space', { scopes: [{ name: 'a b', description: 'x' }] }, /`scopes\[0\]\.name`/],
    [
      'a duplicate scope',
      {
        scopes: [
          { name: 'a', description: 'x' },
          { name: 'a', description: 'y' },
        ],
      },
      /declared twice/,
    ],
    ['missing account hooks', { accounts: {} as OAuthKitOptions['accounts'] }, /`accounts`/],
    ['a misspelt option', { scope: [] }, /`scope`.*Did you mean `scopes`/],
    [
      'a client scope outside the catalog',
      {
        clients: [
          { clientId: 'c', clientSecret: 's', redirectUris: ['https://c.example/cb'], scopes: ['nope'] },
        ],
      },
      /`clients\[0\]\.scopes\[0\]`/,
    ],
    [
      'a redirect URI with a fragment',
      { clients: [{ clientId: 'c', clientSecret: 's', redirectUris: ['https://c.example/cb#x'] }] },
      /fragment/,
    ],
    [
      'a public client with client_credentials',
      { clients: [{ clientId: 'c', redirectUris: [], grantTypes: ['client_credentials'] }] },
      /client_credentials/,
    ],
    ['a code lifetime over 10 minutes', { ttl: { authorizationCode: 3600 } }, /`ttl\.authorizationCode`/],
    ['an unknown signing algorithm', { signingAlgorithm: 'HS256' as 'ES256' }, /`signingAlgorithm`/],
    [
      'an unknown resource-server option',
      { resourceServer: { wildcard: true } as never },
      /`resourceServer\.wildcard`.*wildcardScopes/,
    ],
  ];
  test.each(cases)('%s is refused with a message naming the option', async (_name, overrides, message) => {
    const promise = mountOAuth(express(), baseOptions(overrides as Partial<OAuthKitOptions>));
    await expect(promise).rejects.toBeInstanceOf(ConfigurationError);
    await expect(mountOAuth(express(), baseOptions(overrides as Partial<OAuthKitOptions>))).rejects.toThrow(
      message,
    );
  });

  test('production refuses to start without secrets', async () => {
    await expect(
      mountOAuth(express(), baseOptions({ production: true, issuer: 'https://auth.example.test' })),
    ).rejects.toThrow(/`secrets`: is required in production/);
  });

  /** A logger that keeps what the kit says, level first. */
  const recordingLogger = (lines: string[]) => ({
    info: (_fields: object, message: string) => void lines.push(`info ${message}`),
    warn: (_fields: object, message: string) => void lines.push(`warn ${message}`),
    error: (_fields: object, message: string) => void lines.push(`error ${message}`),
  });

  test('development secrets: generated once, 0600, in a directory git ignores, the log says where', async () => {
    const project = mkdtempSync(join(tmpdir(), 'oauth-kit-host-'));
    const dir = join(project, '.oauth-kit');
    const file = join(dir, 'dev-secrets.json');
    const lines: string[] = [];
    const options = baseOptions({ devSecretsFile: file, logger: recordingLogger(lines) });
    const a = await mountOAuth(express(), options);
    const b = await mountOAuth(express(), options);
    expect(a.options.secrets).toEqual(b.options.secrets);
    expect(lines).toEqual([
      `warn generated DEVELOPMENT signing keys and cookie secrets in ${file} (kept out of git by ${dir}/.gitignore). ` +
        'Pass `secrets` in production; the kit refuses to start there without them.',
      `info DEVELOPMENT signing keys and cookie secrets loaded from ${file}. Never use them in production.`,
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The host's git agrees: nothing of the directory shows as untracked.
    await run('git', ['init', '-q'], { cwd: project });
    await run('git', ['add', '-A'], { cwd: project });
    expect(
      (await run('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: project })).stdout,
    ).toBe('');
    await a.close();
    await b.close();
  });

  test('a secrets file in a directory of the host’s own is written 0600 and the log says to keep it out of git', async () => {
    const project = mkdtempSync(join(tmpdir(), 'oauth-kit-host-'));
    const file = join(project, 'dev-secrets.json');
    const lines: string[] = [];
    const kit = await mountOAuth(
      express(),
      baseOptions({ devSecretsFile: file, logger: recordingLogger(lines) }),
    );
    expect(existsSync(join(project, '.gitignore'))).toBe(false); // the host's directory is left alone
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(lines[0]).toContain(`in ${file} (keep this file out of version control)`);
    await kit.close();
  });
});

describe('views', () => {
  test('a template in the host’s views directory replaces the kit’s, the others stay', async () => {
    const { writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'oauth-kit-views-'));
    writeFileSync(join(dir, 'error.ejs'), '<p id="host-error"><%= error %></p>');
    const app = express();
    const kit = await mountOAuth(app, baseOptions({ views: dir }));
    const res = await request(app)
      .get('/oauth/authorize')
      .set('accept', 'text/html')
      .query({ client_id: 'host_client', redirect_uri: 'https://evil.example/cb', response_type: 'code' });
    expect(res.status).toBe(400);
    expect(res.text).toBe('<p id="host-error">invalid_redirect_uri</p>');
    await kit.close();
  });
});
