import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_CLIENT } from '../../example-app/app.js';
import { generateSecrets } from '../../lib/config/secrets.js';
import { formPost, runLoad } from '../lib/load.js';
import { freePort, killAll, startServer } from '../lib/proc.js';
process.on('exit', killAll);
const work = mkdtempSync(join(tmpdir(), 'ab-'));
const dev = join(work, 'dev.json');
writeFileSync(dev, JSON.stringify(await generateSecrets('ES256')));
const modes = (process.env.MODES ?? 'example,mount,callback,bare').split(',');
const servers = await Promise.all(
  modes.map(async (m) =>
    startServer({
      name: m,
      file: m.startsWith('bare') ? 'bench/servers/bare-provider.ts' : 'bench/scratch/ab.ts',
      env: {
        RESTORE: m === 'bare-restore' ? '1' : '',
        WRAP: m === 'bare-proto' ? 'proto' : m.startsWith('bare-') ? 'express' : '',
        MODE: m,
        DEV_SECRETS_FILE: dev,
        RATE_LIMITS: 'relaxed',
      },
      port: await freePort(),
      logDir: work,
    }),
  ),
);
const req = formPost(
  '/oauth/token',
  { grant_type: 'client_credentials', scope: 'tasks:read projects:read' },
  [TEST_CLIENT.clientId, TEST_CLIENT.clientSecret],
);
for (const s of servers) await runLoad({ url: s.url, connections: 50, seconds: 4, request: req });
const res: Record<string, string[]> = {};
for (let i = 0; i < Number(process.env.ROUNDS ?? 3); i++)
  for (const [k, s] of servers.entries()) {
    const r = await runLoad({ url: s.url, connections: 50, seconds: 5, request: req, pid: s.pid });
    (res[modes[k]!] ??= []).push(
      `${Math.round(r.rps)}/${r.cpuMsPerRequest?.toFixed(3)}${r.non2xx ? ' non2xx ' + r.non2xx : ''}`,
    );
  }
console.log(res);
process.exit(0);
