/**
 * Scenario 1, client_credentials at the token endpoint: the kit on both paths (default: through
 * the example app's Express stack; fast: `kit.fastPath(app)`) beside bare oidc-provider on
 * `node:http` and inside an empty Express app, and @node-oauth/oauth2-server.
 *
 * The fast-path goals compare two processes of each side, pooled round by round (`pooled`): two
 * processes of the same code differ by chance about as much as the goals' margins. A second
 * bare oidc-provider process gives the run's noise floor.
 */
import type { BenchContext } from '../lib/context.js';
import { clientCredentials, measure } from '../lib/measure.js';
import type { Server } from '../lib/proc.js';
import { median, perRoundRatios, pooled, quantile, ratio, type Row } from '../lib/report.js';
import type { Scenario } from './scenario.js';

const SCENARIO = '1 client_credentials';
const ROWS = {
  kit: 'kit, memory store, fast path',
  kitDefault: 'kit, memory store, default path (through helmet, express-session and Express)',
  kitRedis: 'kit, Redis store, fast path',
  kitMinimal: 'kit in an empty Express app, memory store, fast path',
  kitMinimalDefault: 'kit in an empty Express app, memory store, default path',
  bare: 'bare oidc-provider (ES256 JWT, memory)',
  /** Its ratio to `bare` is what two equal servers measure in this run: the noise floor. */
  bareAgain: 'bare oidc-provider, a second identical process (noise floor)',
  bareExpress: 'bare oidc-provider inside an empty Express app',
  peer: '@node-oauth/oauth2-server (opaque, memory)',
};
const secondProcess = (row: string) => `${row}, a second process`;
const POOLED = {
  kit: `${ROWS.kit}, both processes`,
  kitMinimal: `${ROWS.kitMinimal}, both processes`,
  bare: 'bare oidc-provider, both processes',
};

export const token: Scenario = {
  name: 'token',
  async run(ctx: BenchContext) {
    const fast = { ...ctx.kitEnv, FAST_PATH: '1' };
    // The shared processes first: they serve the later scenarios too, and the user tokens those
    // need are seeded afterwards, so every process here arrives with the same history
    // (client_credentials only; 50 code flows first made a kit process ~7 % slower here).
    const kit = (await ctx.kit('memory', 'fast'))!;
    const kitDefault = (await ctx.kit('memory', 'default'))!;
    const kitRedis = await ctx.kit('redis', 'fast');
    const [kitAgain, kitMinimal, kitMinimalAgain, kitMinimalDefault, bare, bareAgain, bareExpress, peer] =
      await Promise.all([
        ctx.start('kit (memory, fast path), again', 'bench/servers/kit.ts', fast),
        ctx.start('kit in an empty Express app', 'bench/servers/kit-minimal.ts', fast),
        ctx.start('kit in an empty Express app, again', 'bench/servers/kit-minimal.ts', fast),
        ctx.start('kit in an empty Express app, default path', 'bench/servers/kit-minimal.ts', ctx.kitEnv),
        ctx.start('bare oidc-provider', 'bench/servers/bare-provider.ts'),
        ctx.start('bare oidc-provider, again', 'bench/servers/bare-provider.ts'),
        ctx.start('bare oidc-provider in Express', 'bench/servers/bare-provider.ts', { WRAP: 'express' }),
        ctx.start('@node-oauth/oauth2-server', 'bench/servers/oauth2-server.ts'),
      ]);
    const target = (name: string, server: Server) =>
      clientCredentials(ctx, SCENARIO, name, server, server.name);
    const rows = await measure(ctx, [
      target(ROWS.kit, kit),
      target(secondProcess(ROWS.kit), kitAgain),
      target(ROWS.kitDefault, kitDefault),
      ...(kitRedis ? [target(ROWS.kitRedis, kitRedis)] : []),
      target(ROWS.kitMinimal, kitMinimal),
      target(secondProcess(ROWS.kitMinimal), kitMinimalAgain),
      target(ROWS.kitMinimalDefault, kitMinimalDefault),
      target(ROWS.bare, bare),
      target(ROWS.bareAgain, bareAgain),
      target(ROWS.bareExpress, bareExpress),
      target(ROWS.peer, peer),
    ]);
    await Promise.all(
      [kitAgain, kitMinimal, kitMinimalAgain, kitMinimalDefault, bare, bareAgain, bareExpress, peer].map(
        (s) => s.stop(),
      ),
    );

    const pool = (name: string, members: string[]) => {
      const found = rows.filter((r) => members.includes(r.name));
      return found.length === members.length ? pooled(name, found) : undefined;
    };
    const pooledRows = [
      pool(POOLED.kit, [ROWS.kit, secondProcess(ROWS.kit)]),
      pool(POOLED.kitMinimal, [ROWS.kitMinimal, secondProcess(ROWS.kitMinimal)]),
      pool(POOLED.bare, [ROWS.bare, ROWS.bareAgain]),
    ].filter((r): r is Row => r !== undefined);
    const all = [...rows, ...pooledRows];
    const ratios = [
      ratio(
        all,
        'client_credentials, fast path: kit (memory) vs bare oidc-provider, two processes each',
        POOLED.kit,
        POOLED.bare,
        1.0,
      ),
      ratio(
        all,
        'client_credentials, fast path (what the kit adds): kit alone in an empty Express app vs bare oidc-provider, two processes each',
        POOLED.kitMinimal,
        POOLED.bare,
        1.0,
      ),
      ratio(
        all,
        'client_credentials, fast path: kit (memory, two processes) vs bare oidc-provider inside an empty Express app',
        POOLED.kit,
        ROWS.bareExpress,
        1.2,
      ),
      ratio(
        all,
        'client_credentials, default path (what the kit adds, both inside Express): kit alone vs bare oidc-provider inside an empty Express app',
        ROWS.kitMinimalDefault,
        ROWS.bareExpress,
        1.0,
      ),
      ratio(
        all,
        'client_credentials, fast path: kit Redis vs kit memory (two processes)',
        ROWS.kitRedis,
        POOLED.kit,
        0.85,
        ctx.redisPending,
      ),
      ratio(
        all,
        'client_credentials (stretch), fast path: kit (memory, two processes) vs @node-oauth/oauth2-server',
        POOLED.kit,
        ROWS.peer,
        1.0,
      ),
    ];
    const noiseFloor = perRoundRatios(rows, ROWS.bareAgain, ROWS.bare);
    const notes = noiseFloor.length
      ? [
          `Noise floor: two identical bare oidc-provider processes measured ${noiseFloor
            .map((r) => `${r.toFixed(2)}×`)
            .join(', ')} round by round (median ${median(noiseFloor).toFixed(2)}×, middle half ${quantile(
            noiseFloor,
            0.25,
          ).toFixed(
            2,
          )}–${quantile(noiseFloor, 0.75).toFixed(2)}×); a goal ratio that close to its target is within this run's noise.`,
        ]
      : [];
    return { rows, ratios, notes, json: { pooled: pooledRows, noiseFloor } };
  },
};
