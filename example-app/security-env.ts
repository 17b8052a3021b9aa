/**
 * The example app's security settings from the environment (the kit itself never reads it):
 *
 * - `RATE_LIMITS=relaxed`: every limit 1000 times higher, the limiter still consulted. A
 *   benchmarking switch (`npm run bench` sets it), never for production.
 * - `OAUTH_KIT_SECRETS`: the JSON `npx express-oauth-kit keys generate` prints; or
 *   `OAUTH_KIT_SECRETS_FILE`: a path to it; or `OAUTH_KIT_SIGNING_KEY_FILE` (a PKCS#8 PEM) with
 *   `OAUTH_KIT_COOKIE_KEYS` (comma-separated) and `OAUTH_KIT_SIGNING_ALG` (default ES256).
 * - `ALLOW_HTTP_LOCALHOST=1`: lets `NODE_ENV=production` run on http://localhost.
 * - `LOG_LEVEL`: the security log's pino level (`info` by default; `warn` keeps only failures
 *   and abuse signals, `silent` none).
 */
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { parseSecrets, readSecretsFile, signingKeyFromPem, type SigningAlgorithm } from '../lib/index.js';
import type { ExampleAppOptions } from './app.js';

export const RELAXED_SCALE = 1000;

export async function securityFromEnv(
  env: Record<string, string | undefined>,
): Promise<NonNullable<ExampleAppOptions['security']>> {
  const security: NonNullable<ExampleAppOptions['security']> = {};
  if (env.RATE_LIMITS === 'relaxed') security.rateLimits = { scale: RELAXED_SCALE };
  else if (env.RATE_LIMITS && env.RATE_LIMITS !== 'default') {
    throw new Error(`RATE_LIMITS must be "relaxed" or "default", not "${env.RATE_LIMITS}"`);
  }
  if (env.ALLOW_HTTP_LOCALHOST === '1') security.dangerouslyAllowHttpLocalhost = true;
  if (env.LOG_LEVEL) {
    if (!Object.keys(pino.levels.values).concat('silent').includes(env.LOG_LEVEL)) {
      throw new Error(`LOG_LEVEL must be one of ${Object.keys(pino.levels.values).join(', ')}, silent`);
    }
    security.logger = pino({ name: 'oauth-kit', level: env.LOG_LEVEL });
  }

  const alg = (env.OAUTH_KIT_SIGNING_ALG ?? 'ES256') as SigningAlgorithm;
  if (env.OAUTH_KIT_SECRETS) {
    security.secrets = parseSecrets(env.OAUTH_KIT_SECRETS, 'OAUTH_KIT_SECRETS');
  } else if (env.OAUTH_KIT_SECRETS_FILE) {
    security.secrets = readSecretsFile(env.OAUTH_KIT_SECRETS_FILE);
  } else if (env.OAUTH_KIT_SIGNING_KEY_FILE) {
    security.secrets = {
      signingKeys: [await signingKeyFromPem(readFileSync(env.OAUTH_KIT_SIGNING_KEY_FILE, 'utf8'), alg)],
      cookieKeys: (env.OAUTH_KIT_COOKIE_KEYS ?? '').split(',').filter(Boolean),
    };
  }
  if (security.secrets) security.signingAlgorithm = alg;
  return security;
}
