/** Runs the example app (`npm start`'s entry), or a standalone resource server, as its own process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess } from './lifecycle.js';
import { freePort } from './redis-server.js';

export interface ExampleProcess {
  issuer: string;
  port: number;
  stop(): Promise<void>;
}

/** Spawns `script` with tsx on a free port and waits (20 s at most) until `readyPath` answers. */
async function startProcess(
  script: string,
  env: Record<string, string>,
  readyPath: string,
): Promise<ExampleProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), ...env },
    stdio: 'ignore',
  });
  child.once('error', () => undefined); // seen below as an exit
  const issuer = `http://localhost:${port}`;
  const stop = () => stopProcess(child);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      throw new Error(`${script} exited with ${child.exitCode ?? child.signalCode ?? 'a spawn error'}`);
    }
    try {
      const probe = await fetch(`${issuer}${readyPath}`, { signal: AbortSignal.timeout(2000) });
      if (probe.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${script} did not start in 20 s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { issuer, port, stop };
}

export function startExampleProcess(env: Record<string, string> = {}): Promise<ExampleProcess> {
  return startProcess(
    'example-app/server.ts',
    {
      DEV_SECRETS_FILE: join(mkdtempSync(join(tmpdir(), 'oauth-kit-proc-')), 'dev-secrets.json'),
      ...env,
    },
    '/.well-known/oauth-authorization-server',
  );
}

/**
 * A standalone resource server (test/helpers/resource-server-main.ts) in its own process, on the
 * issuer's Redis: `GET /reports` needs `tasks:read` and answers `{ sub, client_id }`.
 */
export function startResourceServerProcess(issuer: string, redisUrl: string): Promise<ExampleProcess> {
  return startProcess(
    'test/helpers/resource-server-main.ts',
    { ISSUER: issuer, REDIS_URL: redisUrl },
    '/ready',
  );
}
