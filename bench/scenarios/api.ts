/**
 * Scenario 3, a protected GET: requireScope in the example app and standalone, beside the same
 * route unprotected and behind express-oauth2-jwt-bearer. (Not a machine endpoint: the path the
 * kit's process serves its token endpoint on does not change these routes.)
 */
import type { BenchContext } from '../lib/context.js';
import { apiTarget, measure } from '../lib/measure.js';
import { ratio } from '../lib/report.js';
import type { Scenario } from './scenario.js';

const SCENARIO = '3 protected GET';
const ROWS = {
  open: 'example app: route unprotected',
  inProcess: 'example app: requireScope in-process',
  jwtBearer: 'example app: express-oauth2-jwt-bearer',
  apiOpen: 'API app: route unprotected',
  apiJwtBearer: 'API app: express-oauth2-jwt-bearer',
  standaloneMemory: 'API app: requireScope standalone, memory store',
  standaloneRedis: 'API app: requireScope standalone, Redis store',
};

export const api: Scenario = {
  name: 'api',
  async run(ctx: BenchContext) {
    const kit = (await ctx.kit('memory', 'fast'))!;
    const kitRedis = await ctx.kit('redis', 'fast');
    const tokens = await ctx.tokens(kit);
    const [apiOpen, apiJwt] = await Promise.all([
      ctx.start('API, unprotected', 'bench/servers/resource-api.ts', { ISSUER: kit.url, PROTECT: 'none' }),
      ctx.start('API, express-oauth2-jwt-bearer', 'bench/servers/resource-api.ts', {
        ISSUER: kit.url,
        PROTECT: 'jwt-bearer',
      }),
    ]);
    const standaloneRedis = kitRedis
      ? await ctx.start('API, requireScope standalone (Redis)', 'bench/servers/resource-api.ts', {
          ISSUER: kitRedis.url,
          PROTECT: 'standalone',
          ...(await ctx.redisEnv('bench:kit-fast:')),
        })
      : undefined;
    const redisTokens = kitRedis ? await ctx.tokens(kitRedis) : [];
    const standaloneUrl = `http://127.0.0.1:${kit.extraPorts.STANDALONE}`;
    const on = (name: string, server: typeof kit, note?: string) => ({
      scenario: SCENARIO,
      name,
      server,
      process: server.name,
      ...(note ? { note } : {}),
    });
    const rows = await measure(ctx, [
      apiTarget(ctx, on(ROWS.open, kit), kit.url, '/bench/tasks-open', tokens),
      apiTarget(ctx, on(ROWS.inProcess, kit), kit.url, '/bench/tasks', tokens),
      apiTarget(ctx, on(ROWS.jwtBearer, kit), kit.url, '/bench/tasks-jwt-bearer', tokens),
      apiTarget(ctx, on(ROWS.apiOpen, apiOpen), apiOpen.url, '/v1/tasks', tokens),
      apiTarget(ctx, on(ROWS.apiJwtBearer, apiJwt), apiJwt.url, '/v1/tasks', tokens),
      apiTarget(
        ctx,
        on(
          ROWS.standaloneMemory,
          kit,
          "served from the kit's process: a memory store can't be shared across processes",
        ),
        standaloneUrl,
        '/v1/tasks',
        tokens,
      ),
      ...(standaloneRedis
        ? [
            apiTarget(
              ctx,
              on(ROWS.standaloneRedis, standaloneRedis),
              standaloneRedis.url,
              '/v1/tasks',
              redisTokens,
            ),
          ]
        : []),
    ]);
    await Promise.all([apiOpen.stop(), apiJwt.stop(), standaloneRedis?.stop()]);
    return {
      rows,
      ratios: [
        ratio(rows, 'requireScope in-process vs the same route unprotected', ROWS.inProcess, ROWS.open, 0.9),
        ratio(
          rows,
          'requireScope in-process vs express-oauth2-jwt-bearer (same app)',
          ROWS.inProcess,
          ROWS.jwtBearer,
          1.2,
        ),
        ratio(
          rows,
          'requireScope standalone (memory, kit process) vs express-oauth2-jwt-bearer (API app)',
          ROWS.standaloneMemory,
          ROWS.apiJwtBearer,
          1.1,
        ),
        ratio(
          rows,
          'requireScope standalone (Redis, own process) vs express-oauth2-jwt-bearer (API app)',
          ROWS.standaloneRedis,
          ROWS.apiJwtBearer,
          1.1,
          ctx.redisPending,
        ),
      ],
    };
  },
};
