/** One error base: every kit error carries status, code, description, headers and expose, and one answer decides what a failure shows. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BearerError,
  ConfigurationError,
  InsufficientScopeError,
  KitError,
  RateLimitedError,
  RegistryError,
  StoreUnavailableError,
  TokenStoreUnavailableError,
  UnauthorizedError,
  type KitErrorCode,
} from '../../lib/index.js';
import { errorAnswer } from '../../lib/errors/json-error.js';
import { FeedDownError } from '../../lib/resource-server/grant-status.js';
import { RedisStalledError } from '../../adapters/redis/stall-guard.js';

function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const log = (fields: Record<string, unknown>) => void lines.push(fields);
  return { lines, logger: { info: log, warn: log, error: log } };
}

test('the public error classes share one base with a stable code', () => {
  const errors: KitError[] = [
    new InsufficientScopeError(['tasks:write']),
    new UnauthorizedError(),
    new TokenStoreUnavailableError(),
    new RateLimitedError(30, false),
    new RegistryError('not_found', 'No such app.'),
    new ConfigurationError('issuer', 'is required.'),
    new FeedDownError(),
    new RedisStalledError(),
  ];
  const summary = errors.map((e) => [e.name, e.status, e.error, e.expose] as const);
  expect(summary).toEqual([
    ['InsufficientScopeError', 403, 'insufficient_scope', true],
    ['UnauthorizedError', 401, 'invalid_token', true],
    ['TokenStoreUnavailableError', 503, 'temporarily_unavailable', true],
    ['RateLimitedError', 429, 'rate_limited', true],
    ['RegistryError', 404, 'not_found', true],
    ['ConfigurationError', 500, 'server_error', false],
    ['FeedDownError', 503, 'temporarily_unavailable', false],
    ['RedisStalledError', 503, 'temporarily_unavailable', false],
  ]);
  for (const e of errors) expect(e).toBeInstanceOf(Error);
  // Callers switch on the code; the union makes a typo a compile error.
  const retryable = (code: KitErrorCode) => code === 'rate_limited' || code === 'temporarily_unavailable';
  expect(errors.filter((e) => retryable(e.error)).map((e) => e.name)).toEqual([
    'TokenStoreUnavailableError',
    'RateLimitedError',
    'FeedDownError',
    'RedisStalledError',
  ]);
});

test('each error keeps the fields and messages it had: bearer code, registry fields, configuration code', () => {
  const bare = new UnauthorizedError();
  expect([bare.code, bare.message, bare.statusCode]).toEqual([
    undefined,
    'An access token is required.',
    401,
  ]);
  expect(bare.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
  expect(new BearerError(401, undefined).message).toBe('authentication required');
  expect(new InsufficientScopeError(['a', 'b']).toJSON()).toEqual({
    error: 'insufficient_scope',
    error_description: 'The access token does not grant the required scope.',
    scope: 'a b',
  });
  const registry = new RegistryError('invalid_redirect_uri', 'Bad URL.', { redirect_uris: 'Must be https.' });
  expect([registry.code, registry.description, registry.toJSON()]).toEqual([
    'invalid_redirect_uri',
    'Bad URL.',
    {
      error: 'invalid_redirect_uri',
      error_description: 'Bad URL.',
      fields: { redirect_uris: 'Must be https.' },
    },
  ]);
  const config = new ConfigurationError('scopes[0].name', 'is empty.', 'Name it.');
  expect([config.code, config.option, config.message]).toEqual([
    'OAUTH_KIT_INVALID_CONFIGURATION',
    'scopes[0].name',
    'oauth-kit: invalid option `scopes[0].name`: is empty. Name it.',
  ]);
  expect(new RateLimitedError(1, true).headers).toEqual({ 'Retry-After': '1' });
});

describe('what a failure answers with', () => {
  test('an exposed kit error answers as itself, with its headers and extra members', () => {
    const { lines, logger } = recordingLogger();
    expect(errorAnswer(new RateLimitedError(7, false), '/oauth/token', logger)).toEqual({
      status: 429,
      body: { error: 'rate_limited', error_description: 'Too many requests. Try again in 7 seconds.' },
      headers: { 'Retry-After': '7' },
    });
    expect(
      errorAnswer(new RegistryError('invalid_scope', 'Unknown.', { scopes: 'x' }), 'api', logger).body,
    ).toEqual({
      error: 'invalid_scope',
      error_description: 'Unknown.',
      fields: { scopes: 'x' },
    });
    expect(lines).toEqual([]);
  });

  test('an error that is not exposed is a bare server_error, logged by its name only', () => {
    const { lines, logger } = recordingLogger();
    const secret = new ConfigurationError('secrets', 'key abc123 is too short.');
    expect(errorAnswer(secret, 'pages', logger)).toEqual({
      status: 500,
      body: { error: 'server_error', error_description: 'Something went wrong on our side.' },
      headers: {},
    });
    expect(errorAnswer(new TypeError('x of undefined'), 'pages', logger).status).toBe(500);
    expect(lines).toEqual([
      { event: 'server_error', route: 'pages', errorName: 'ConfigurationError' },
      { event: 'server_error', route: 'pages', errorName: 'TypeError' },
    ]);
  });

  test('a store outage is a 503 to retry; an unreadable body and an expired interaction are 4xx', () => {
    const { lines, logger } = recordingLogger();
    expect(errorAnswer(new StoreUnavailableError(), 'interaction', logger)).toMatchObject({
      status: 503,
      body: { error: 'temporarily_unavailable' },
      headers: { 'Retry-After': '1' },
    });
    // body-parser's shape: its message is not repeated.
    const tooLarge = Object.assign(new Error('request entity too large: 99999'), {
      type: 'entity.too.large',
      status: 413,
      expose: true,
    });
    expect(errorAnswer(tooLarge, 'pages', logger)).toEqual({
      status: 413,
      body: { error: 'invalid_request', error_description: 'The request body could not be read.' },
      headers: {},
    });
    // oidc-provider's shape (SessionNotFound).
    const expired = Object.assign(new Error('invalid_request'), {
      status: 400,
      statusCode: 400,
      expose: true,
      error: 'invalid_request',
      error_description: 'interaction session not found',
    });
    expect(errorAnswer(expired, 'interaction', logger).body).toEqual({
      error: 'invalid_request',
      error_description: 'interaction session not found',
    });
    expect(lines).toEqual([]);
  });
});

test('nothing in lib/ or adapters/ writes to the console: failures go to the injected logger', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const writes: string[] = [];
  for (const dir of ['lib', 'adapters']) {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const path = join(entry.parentPath, entry.name);
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\bconsole\.\w+\s*\(/.test(line)) writes.push(`${relative(root, path)}:${i + 1}`);
        });
    }
  }
  expect(writes).toEqual([]);
});
