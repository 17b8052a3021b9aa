/** Runs the example app as its own process (`npm start`'s entry), for cross-process tests. */
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

export async function startExampleProcess(env: Record<string, string> = {}): Promise<ExampleProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'example-app/server.ts'], {
    env: {
      ...process.env,
      NODE_OPTIONS: '',
      PORT: String(port),
      DEV_SECRETS_FILE: join(mkdtempSync(join(tmpdir(), 'oauth-kit-proc-')), 'dev-secrets.json'),
      ...env,
    },
    stdio: 'ignore',
  });
  child.once('error', () => undefined); // seen below as an exit
  const issuer = `http://localhost:${port}`;
  const stop = () => stopProcess(child);
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      throw new Error(`example app exited with ${child.exitCode ?? child.signalCode ?? 'a spawn error'}`);
    }
    try {
      const probe = await fetch(`${issuer}/.well-known/oauth-authorization-server`, {
        signal: AbortSignal.timeout(2000),
      });
      if (probe.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('example app did not start in 20 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { issuer, port, stop };
}
