/** Starting and stopping what a suite needs so that nothing outlives a failed setup. */
import type { ChildProcess } from 'node:child_process';

/**
 * Starts several things at once, like `Promise.all`; when any start fails, stops those that did
 * start (with the matching `stop`) before rethrowing, so no server or browser is left running.
 */
export async function startAll<T extends readonly unknown[]>(
  starts: { readonly [K in keyof T]: Promise<T[K]> },
  stops: { readonly [K in keyof T]: (started: T[K]) => Promise<unknown> },
): Promise<T> {
  const settled = await Promise.allSettled(starts as readonly Promise<unknown>[]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!failed) return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
  await Promise.allSettled(
    settled.map((s, i) =>
      s.status === 'fulfilled'
        ? (stops[i] as (started: unknown) => Promise<unknown>)(s.value)
        : Promise.resolve(),
    ),
  );
  throw failed.reason;
}

/** Sends `signal`, then SIGKILL if the process has not exited within `graceMs`; resolves on exit. */
export async function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 5000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
