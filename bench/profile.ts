/**
 * `npm run bench:profile -- <token|refresh|api|info|open> [seconds]`: runs the kit under
 * `node --cpu-prof` with one scenario's load, then prints where its CPU time went: the top
 * functions by self time and the totals per package. Profile before optimizing.
 * `PROFILE_SERVER=bench/servers/bare-provider.ts` (token only) or `bench/servers/kit-minimal.ts`
 * profiles another bench server under the same load, for a function-by-function comparison.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_CLIENT } from '../example-app/app.js';
import { generateSecrets } from '../lib/keys/generate.js';
import { bearerGet, formPost, runLoad, type Request } from './lib/load.js';
import { freePort, killAll, ROOT, startServer } from './lib/proc.js';
import { seedGrants } from './lib/seed.js';

const scenario = process.argv[2] ?? 'token';
const seconds = Number(process.argv[3] ?? 15);
const connections = 50;
const BASIC: [string, string] = [TEST_CLIENT.clientId, TEST_CLIENT.clientSecret];
process.on('exit', killAll);

const work = mkdtempSync(join(tmpdir(), 'oauth-kit-profile-'));
const profileDir = join(work, 'profile');
mkdirSync(profileDir);
const devSecretsFile = join(work, 'dev-secrets.json');
writeFileSync(devSecretsFile, JSON.stringify(await generateSecrets('ES256')), { mode: 0o600 });

const kit = await startServer({
  name: 'kit-profiled',
  file: process.env.PROFILE_SERVER ?? 'bench/servers/kit.ts',
  env: { DEV_SECRETS_FILE: devSecretsFile, RATE_LIMITS: 'relaxed', LOG_LEVEL: 'warn' },
  port: await freePort(),
  logDir: work,
  nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir],
});

const grants = scenario === 'token' ? [] : await seedGrants(kit.url, connections);
const chains = grants.map((g) => ({ rt: g.refreshToken }));
const perConnection = (i: number): Request[] => {
  const g = grants[i % Math.max(grants.length, 1)];
  switch (scenario) {
    case 'token':
      return [formPost('/oauth/token', { grant_type: 'client_credentials', scope: 'tasks:read' }, BASIC)];
    case 'refresh': {
      const chain = chains[i]!;
      return [
        {
          ...formPost('/oauth/token', { grant_type: 'refresh_token' }, BASIC),
          setupRequest: (req: Request) => ({
            ...req,
            body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: chain.rt }).toString(),
          }),
          onResponse: (status: number, body: string) => {
            if (status === 200) chain.rt = (JSON.parse(body) as { refresh_token: string }).refresh_token;
          },
        },
      ];
    }
    case 'api':
      return [bearerGet('/bench/tasks', g!.accessToken)];
    case 'open':
      return [bearerGet('/bench/tasks-open', g!.accessToken)];
    case 'info':
      return [bearerGet('/v1/oauth/token/info', g!.accessToken)];
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
};

await runLoad({ url: kit.url, connections, seconds: 3, perConnection }); // warm-up
if (scenario === 'refresh') {
  // Every connection had a refresh in flight when the warm-up stopped: its rotated token never
  // arrived, and presenting the old one again would be a replay. Start new chains.
  const fresh = await seedGrants(kit.url, connections);
  fresh.forEach((g, i) => (chains[i]!.rt = g.refreshToken));
}
const result = await runLoad({ url: kit.url, connections, seconds, perConnection, pid: kit.pid });
await kit.stop();
process.stdout.write(
  `${scenario}: ${Math.round(result.rps)} req/s, ${result.cpuMsPerRequest?.toFixed(2)} CPU ms/req, non-2xx ${result.non2xx}\n\n`,
);

// ── Self time per function and per package ───────────────────────────────────
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function where(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return url.replace(`file://${ROOT}`, '').split('/').slice(0, 2).join('/') || url;
}

const functions = new Map<string, number>();
const packages = new Map<string, number>();
let total = 0;
let idle = 0;
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  if (functionName === '(idle)') {
    idle += us;
    continue;
  }
  total += us;
  const label = `${functionName || '(anonymous)'} ${url.replace(`file://${ROOT}`, '').replace(/^.*node_modules\//, '')}:${lineNumber + 1}`;
  functions.set(label, (functions.get(label) ?? 0) + us);
  const pkg = functionName.startsWith('(') ? functionName : where(url);
  packages.set(pkg, (packages.get(pkg) ?? 0) + us);
}
// Inclusive time of the project's own functions (lib/, adapters/, example-app/, bench/) and of
// the host middleware in the path, counted once per call chain even when recursive.
const inclusive = new Map<string, number>();
const isOurs = (url: string) => url.startsWith(`file://${ROOT}`) && !url.includes('/node_modules/');
const labelOf = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(`file://${ROOT}`, '').replace(/^.*node_modules\//, '')}:${n.callFrame.lineNumber + 1}`;
function walk(id: number, open: Set<string>): number {
  const node = byId.get(id)!;
  const label = labelOf(node);
  const counted =
    (isOurs(node.callFrame.url) || /express-session|helmet/.test(node.callFrame.url)) && !open.has(label);
  if (counted) open.add(label);
  let sum = node.callFrame.functionName === '(idle)' ? 0 : (selfUs.get(id) ?? 0);
  for (const child of node.children ?? []) sum += walk(child, open);
  if (counted) {
    open.delete(label);
    inclusive.set(label, (inclusive.get(label) ?? 0) + sum);
  }
  return sum;
}
walk(profile.nodes[0]!.id, new Set());

// Shares of the whole profile, and that share of the measured CPU per request (start-up and
// warm-up are in the profile too, so the µs are an estimate).
const perRequestUs = (result.cpuMsPerRequest ?? 0) * 1000;
const pct = (us: number) =>
  `${((us / total) * 100).toFixed(1).padStart(5)} % ${((us / total) * perRequestUs).toFixed(1).padStart(6)} µs`;
const top = (map: Map<string, number>, n: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `${pct(us)}  ${k}`)
    .join('\n');
process.stdout.write(
  `busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s\n\n` +
    `By package (self time):\n${top(packages, 15)}\n\nTop functions (self time):\n${top(functions, 30)}\n\n` +
    `Project code and host middleware (inclusive time):\n${top(inclusive, 25)}\n\n` +
    `Profile: ${join(profileDir, file)} (open in Chrome DevTools → Performance)\n`,
);
process.exit(0);
