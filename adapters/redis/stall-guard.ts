/**
 * A time bound on every call to one Redis connection, and no queue behind a stall.
 *
 * A Redis that is frozen or stuck (SIGSTOP, a long `DEBUG SLEEP`, a slow disk under AOF) keeps
 * its connection open, so ioredis neither fails nor reconnects: each command just waits. Here a
 * call that has not answered within its bound fails with {@link RedisStalledError}, and from then
 * on every call fails at once, without sending anything, until one probe (`PING`) answers: so a
 * stall costs the requests that met it one bound each and the rest nothing, and no commands pile
 * up in the connection's queue. The store answers those failures with a 503; the rate limiters
 * fall back to their in-process counters.
 *
 * When this process itself was paused past the deadline (a long GC, synchronous work, a CPU
 * shared with too much else), its timers run before it reads its sockets, so Redis' answer may be
 * waiting unread: the guard reads it first, and only a Redis that still has not answered is
 * stalled. (A call of several round trips may still meet its bound in the middle: the bound is
 * not extended, so a frozen Redis is always found out on time.)
 *
 * One guard per connection (the store and the rate limiters share it when they share the client).
 * It only listens: the host's connection and its options are left as they are.
 */
import type { Cluster, Redis } from 'ioredis';
import { KitError } from '../../lib/errors/kit-error.js';

type Connection = Redis | Cluster;

/**
 * The Redis connection did not answer in time, or has not answered since it last did not. On
 * the kit's error base, not exposed: the store answers it as its StoreUnavailableError (503),
 * the rate limits fall back to their own counters.
 */
export class RedisStalledError extends KitError {
  readonly code = 'OAUTH_KIT_REDIS_STALLED';
  constructor() {
    super(503, 'temporarily_unavailable', 'Redis did not answer in time', { expose: false });
    this.name = 'RedisStalledError';
  }
}

export interface StallGuard {
  /** Runs `operation`, failing with RedisStalledError past `timeoutMs` or while stalled. */
  run<T>(operation: () => Promise<T>, timeoutMs: number): Promise<T>;
  /** True from a call's timeout until a probe answers. */
  readonly stalled: boolean;
}

/** Between probes that failed (connection down): the guard retries this often. */
const PROBE_RETRY_MS = 100;

const guards = new WeakMap<Connection, StallGuard>();

/** The guard of `client`, created on first use. */
export function stallGuard(client: Connection): StallGuard {
  let guard = guards.get(client);
  if (!guard) {
    guard = createStallGuard(client);
    guards.set(client, guard);
  }
  return guard;
}

function createStallGuard(client: Connection): StallGuard {
  let stalled = false;

  // One PING at a time; it answers when Redis does again, whatever the stall's length.
  function probe(): void {
    client.ping().then(
      () => {
        stalled = false;
      },
      () => {
        // Closed for good (the host quit it): nothing left to wait for.
        if (client.status === 'end') stalled = false;
        else setTimeout(probe, PROBE_RETRY_MS).unref();
      },
    );
  }

  return {
    get stalled() {
      return stalled;
    },
    run<T>(operation: () => Promise<T>, timeoutMs: number): Promise<T> {
      if (stalled) return Promise.reject(new RedisStalledError());
      let pending: Promise<T>;
      try {
        pending = operation();
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<T>((resolve, reject) => {
        let settled = false;
        const timer = setTimeout(() => {
          // setImmediate runs after the I/O phase: an answer that arrived meanwhile is read.
          setImmediate(() => {
            if (settled) return;
            settled = true;
            if (!stalled) {
              stalled = true;
              probe();
            }
            reject(new RedisStalledError());
          });
        }, timeoutMs);
        pending.then(
          (value) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            resolve(value);
          },
          (error: unknown) => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            reject(error);
          },
        );
      });
    },
  };
}
