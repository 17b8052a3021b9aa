/**
 * "TaskFlow", an example Express product that mounts oauth-kit in a few lines. The kit-specific
 * part is the `mountOAuth` call; everything else is the product's own code.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import express, { type Express } from 'express';
import session from 'express-session';
import helmet from 'helmet';
import {
  mountOAuth,
  oauthErrorHandler,
  type OAuthKit,
  type OAuthKitOptions,
  type OAuthStore,
  type ScopeDefinition,
} from '../lib/index.js';
import { apiRouter, createTaskData } from './api.js';
import { mcpRouter } from './mcp.js';
import { demoClientRouter } from './demo-client.js';
import { authenticate, findUser, isAdmin } from './users.js';

export const SCOPES: ScopeDefinition[] = [
  { name: 'tasks:read', description: 'Read your tasks' },
  { name: 'tasks:write', description: 'Create and update your tasks' },
  { name: 'tasks:delete', description: 'Delete your tasks' },
  { name: 'projects:read', description: 'Read your projects' },
  { name: 'projects:write', description: 'Create and update your projects' },
  { name: 'projects:delete', description: 'Delete your projects' },
  { name: 'users:read', description: 'Read your profile' },
  { name: 'users:write', description: 'Update your profile' },
  { name: 'files:read', description: 'Read your files' },
  { name: 'files:write', description: 'Upload and update your files' },
  { name: 'files:delete', description: 'Delete your files' },
];
// "Full access": a token granted admin:* carries every other scope too.
SCOPES.push({
  name: 'admin:*',
  description: 'Full administrative access to your organization',
  restricted: true,
  implies: SCOPES.map((s) => s.name),
});

/** Test credentials (labelled as such): registered at start for local development and tests. */
export const TEST_CLIENT = { clientId: 'test_abc123', clientSecret: 'test_secret_def456' } as const;
export const TEST_PUBLIC_CLIENT = { clientId: 'test_public_spa' } as const;

export interface ExampleAppOptions {
  port: number;
  issuer?: string;
  production?: boolean;
  /** Secret for the product's own session cookie. Default: random per start (development). */
  sessionSecret?: string;
  trustProxy?: boolean;
  devSecretsFile?: string;
  /** Where OAuth state lives. Default: the kit's in-memory store. */
  store?: OAuthStore;
  /** Access-token lifetime (s); tests shorten it to watch the demo client refresh. */
  accessTokenTtlSeconds?: number;
  /** Security settings passed through to the kit (server.ts reads them from the environment). */
  security?: Pick<
    OAuthKitOptions,
    | 'rateLimits'
    | 'logger'
    | 'onSecurityEvent'
    | 'onAlert'
    | 'alertRules'
    | 'secrets'
    | 'signingAlgorithm'
    | 'dangerouslyAllowHttpLocalhost'
  >;
}

/**
 * Signs `userId` in with a NEW session id, never the one the browser came with: an id planted
 * in the browser before sign-in (session fixation) must not become a signed-in session. The
 * demo client's OAuth state (the third-party app this example also plays, which would live on
 * its own origin) moves across.
 */
function startSession(req: express.Request, userId: string): Promise<void> {
  const { demo } = req.session;
  return new Promise((resolve, reject) => {
    req.session.regenerate((error) => {
      if (error) return reject(error as Error);
      req.session.userId = userId;
      req.session.signedInAt = Math.floor(Date.now() / 1000);
      if (demo) req.session.demo = demo;
      resolve();
    });
  });
}

export async function createExampleApp(options: ExampleAppOptions): Promise<{ app: Express; kit: OAuthKit }> {
  const issuer = options.issuer ?? `http://localhost:${options.port}`;
  const callback = `http://localhost:${options.port}/callback`;
  const redirectUris = [...new Set([callback, new URL('/callback', issuer).href])];
  const production = options.production ?? false;
  if (production && !options.sessionSecret) throw new Error('SESSION_SECRET is required in production');

  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy) app.set('trust proxy', 1);
  app.set('views', fileURLToPath(new URL('./views', import.meta.url)));
  app.set('view engine', 'ejs');

  // The product's own middleware, which the kit must coexist with.
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: { formAction: null, upgradeInsecureRequests: production ? [] : null },
      },
      strictTransportSecurity: production,
    }),
  );
  app.use(
    session({
      name: 'taskflow.sid',
      secret: options.sessionSecret ?? randomBytes(32).toString('hex'),
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: 'lax', secure: production },
    }),
  );

  // ── oauth-kit ──────────────────────────────────────────────────────────────
  const kit = await mountOAuth(app, {
    issuer,
    scopes: SCOPES,
    // Two resources: the REST API (the default) and the MCP server for AI agents.
    resources: [{ url: `${issuer}/api` }, { url: `${issuer}/mcp`, scopes: ['tasks:read', 'tasks:write'] }],
    // An authorization request without `scope` (the documents' PKCE example) gets these.
    defaultScopes: ['tasks:read'],
    serviceDocumentation: new URL('/docs', issuer).href,
    production,
    trustProxy: options.trustProxy ?? false,
    ...(options.devSecretsFile ? { devSecretsFile: options.devSecretsFile } : {}),
    ...(options.store ? { store: options.store } : {}),
    ...(options.accessTokenTtlSeconds ? { ttl: { accessToken: options.accessTokenTtlSeconds } } : {}),
    ...options.security,
    accounts: {
      authenticate,
      find: findUser,
      currentUserId: (req) => req.session.userId,
      signedInAt: (req) => req.session.signedInAt,
      // Signed in on the kit's login page: a new session, as on the product's own /signin.
      signIn: (req, account) => startSession(req, account.id),
      // Signed out at /oauth/logout: the product's session ends too.
      signOut: (req) => new Promise<void>((resolve) => req.session.destroy(() => resolve())),
    },
    clients: [
      { ...TEST_CLIENT, name: 'TaskFlow Demo (test)', redirectUris, testMode: true },
      {
        ...TEST_PUBLIC_CLIENT,
        type: 'public',
        name: 'TaskFlow SPA (test)',
        redirectUris,
        grantTypes: ['authorization_code', 'refresh_token'],
        testMode: true,
      },
    ],
    // AI agents (MCP clients) register themselves: public clients, loopback or https redirects.
    registration: { policy: 'open' },
    // ... or are known by the URL of their client metadata document.
    clientMetadataDocuments: true,
    // Settings → Developers → OAuth Apps, Settings → Connected apps, admin scope requests.
    pages: {
      signInUrl: '/signin',
      signOutUrl: '/signout',
      isAdmin: (_req, userId) => isAdmin(userId),
    },
    // Every kit page (sign-in, consent, errors, settings) shows the product.
    product: {
      name: 'TaskFlow',
      logoUrl: '/logo.svg',
      homeUrl: '/',
      supportUrl: 'mailto:support@taskflow.example',
    },
  });
  // ───────────────────────────────────────────────────────────────────────────

  // Live data, and the sandbox test-mode apps' tokens are routed to (api.ts).
  const tasks = createTaskData();
  app.use(apiRouter(tasks));
  // The MCP server for AI agents, at <issuer>/mcp (the MCP resource declared above).
  app.use(mcpRouter(issuer, tasks));
  // The developer documentation the discovery metadata points to (`service_documentation`).
  app.get('/docs', (_req, res) => {
    res.render('docs', { issuer, scopes: SCOPES });
  });

  // The product's own sign-in page (its users sign in here, not only through OAuth).
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const safeReturn = (value: unknown) =>
    typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.includes('\\')
      ? value
      : '/';
  // CSRF on the product's forms (sign-in, sign-out, disconnect): each carries a random value
  // kept in the session it was shown in.
  const signinToken = (req: express.Request) =>
    (req.session.signinToken ??= randomBytes(24).toString('base64url'));
  const sameToken = (expected: string | undefined, given: unknown) =>
    typeof expected === 'string' &&
    typeof given === 'string' &&
    expected.length === given.length &&
    timingSafeEqual(Buffer.from(expected), Buffer.from(given));
  app.get('/signin', (req, res) => {
    res.render('signin', {
      error: undefined,
      returnTo: safeReturn(req.query.return_to),
      csrfToken: signinToken(req),
    });
  });
  app.post('/signin', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!sameToken(req.session.signinToken, body.csrf_token)) {
      res.status(403).render('signin', {
        error: 'The form expired. Please sign in again.',
        returnTo: safeReturn(body.return_to),
        csrfToken: signinToken(req),
      });
      return;
    }
    // The kit's login guard: the same IP limit and account lockout as its login page.
    const email = String(body.email ?? '');
    const attempt = await kit.guardLogin(req, email, () => authenticate(email, String(body.password ?? '')));
    if (!attempt.ok) {
      const limited = attempt.reason === 'rate_limited';
      if (limited) res.set('Retry-After', String(attempt.retryAfterSeconds));
      res.status(limited ? 429 : 401).render('signin', {
        error: limited
          ? `Too many sign-in attempts. Try again in ${Math.ceil(attempt.retryAfterSeconds / 60)} minute(s).`
          : 'Email or password is incorrect.',
        returnTo: safeReturn(body.return_to),
        csrfToken: signinToken(req),
      });
      return;
    }
    await startSession(req, attempt.account.id);
    res.redirect(303, safeReturn(body.return_to));
  });
  const requireFormToken: express.RequestHandler = (req, res, next) => {
    if (sameToken(req.session.signinToken, (req.body as Record<string, unknown> | undefined)?.csrf_token)) {
      return next();
    }
    res.status(403).render('demo-error', { message: 'The form could not be verified. Please try again.' });
  };
  // The product's logo (also its favicon), shown on the kit's pages through `product.logoUrl`.
  const logo = fileURLToPath(new URL('./public/logo.svg', import.meta.url));
  app.get(['/logo.svg', '/favicon.ico'], (_req, res) => {
    res.set('Cache-Control', 'public, max-age=86400').type('image/svg+xml').sendFile(logo);
  });
  // Sign-out asks first (a POST with the form token), so a link can lead here safely.
  app.get('/signout', (req, res) => {
    if (!req.session.userId) return res.redirect(303, '/');
    res.render('signout', { csrfToken: signinToken(req) });
  });
  app.post('/signout', form, requireFormToken, async (req, res) => {
    // The authorization server's session ends with the product's: the next authorization asks
    // who is there instead of issuing a code for the previous user.
    await kit.endSession(req, res);
    req.session.destroy(() => res.redirect(303, '/'));
  });
  // The sign-out form (home, when signed in) and the demo client's disconnect form (dashboard).
  app.get(['/', '/dashboard'], (req, res, next) => {
    if (req.session.userId || req.path === '/dashboard') res.locals.csrfToken = signinToken(req);
    next();
  });
  app.post('/disconnect', form, requireFormToken);

  app.use(
    demoClientRouter({
      issuer,
      ...TEST_CLIENT,
      redirectUri: callback,
      scope: 'openid profile tasks:read projects:read',
    }),
  );

  app.use(oauthErrorHandler());
  // Anything left: a short answer without detail, in every mode (Express's own page would show
  // the stack trace outside production). Bodies the product could not read are the client's 4xx.
  app.use((err: unknown, req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const given = (err as { status?: unknown }).status;
    const status = typeof given === 'number' && given >= 400 && given < 500 ? given : 500;
    if (status === 500) console.error('TaskFlow: request failed:', (err as Error)?.name);
    const error = status === 500 ? 'server_error' : 'invalid_request';
    if (req.path.startsWith('/v1/') || req.accepts(['html', 'json']) === 'json') {
      res.status(status).json({ error, error_description: 'The request could not be completed.' });
    } else {
      res.status(status).render('demo-error', { message: 'The request could not be completed.' });
    }
  });
  return { app, kit };
}
