/**
 * Child processes for the bench: each server in its own `node --import tsx` process on a free
 * loopback port, its memory and CPU read from /proc (Linux), stopped by pid when done.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The repository root: server entries are given relative to it. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A free loopback port (never 6379, the shared Redis that is not ours). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port === 6379 ? freePort() : port;
}

const running = new Set<ChildProcess>();

/** Registers a child the runner started, so `killAll` can end it. */
export function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Stops every child still running (at exit, on a signal, on the watchdog). */
export function killAll(): void {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        // Servers run in their own process group (detached): end the group, workers included.
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
    }
  }
  running.clear();
}

export interface Server {
  name: string;
  pid: number;
  port: number;
  /** Ports announced on other READY-<label> lines, e.g. STANDALONE. */
  extraPorts: Record<string, number>;
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** The entry, relative to the repository root, e.g. `bench/servers/kit.ts`. */
  file: string;
  env: Record<string, string>;
  port: number;
  /** Extra READY lines to wait for (e.g. `STANDALONE`). */
  waitFor?: string[];
  nodeArgs?: string[];
  logDir: string;
  timeoutMs?: number;
}

export async function startServer(options: StartOptions): Promise<Server> {
  const log = createWriteStream(join(options.logDir, `${options.name.replace(/\W+/g, '_')}.log`));
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', options.file], {
    env: { ...process.env, ...options.env, PORT: String(options.port), NODE_ENV: 'development' },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  track(child);
  child.stderr!.pipe(log);
  const pending = new Set(['READY', ...(options.waitFor ?? []).map((w) => `READY-${w}`)]);
  const extraPorts: Record<string, number> = {};
  const ready = new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      const [label, port] = line.split(' ');
      if (label && pending.delete(label)) {
        if (label !== 'READY') extraPorts[label.slice('READY-'.length)] = Number(port);
        if (pending.size === 0) resolve();
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`${options.name} exited (${code}) before it was ready; see ${options.logDir}`)),
    );
    setTimeout(
      () => reject(new Error(`${options.name} not ready in time; see ${options.logDir}`)),
      options.timeoutMs ?? 30_000,
    ).unref();
  });
  try {
    await ready;
  } catch (error) {
    killAll();
    throw error;
  }
  return {
    name: options.name,
    pid: child.pid!,
    port: options.port,
    extraPorts,
    url: `http://127.0.0.1:${options.port}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        child.kill('SIGTERM');
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** The pid and its descendants (node:cluster workers). */
export function processTree(pid: number): number[] {
  const out = [pid];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const c of children ? children.split(' ') : []) out.push(...processTree(Number(c)));
    }
  } catch {
    // The process is gone.
  }
  return out;
}

function statusField(pid: number, field: string): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${field}:`));
    return line ? Number(line.split(/\s+/)[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Peak resident memory (VmHWM), bytes, summed over the process tree. */
export const peakRss = (pid: number) => processTree(pid).reduce((sum, p) => sum + statusField(p, 'VmHWM'), 0);
/** Current resident memory (VmRSS), bytes, summed over the process tree. */
export const currentRss = (pid: number) =>
  processTree(pid).reduce((sum, p) => sum + statusField(p, 'VmRSS'), 0);

/** CPU time (user + system), ms, summed over the process tree. Assumes USER_HZ = 100. */
export function cpuMs(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process is gone.
    }
  }
  return ticks * 10;
}
