/**
 * The revocation feed (adapters/contract.ts `RevocationFeed`) over Redis PUBLISH / SUBSCRIBE on
 * `P revocations`. The subscriber is a duplicate of the host's connection, started on the first
 * subscription and quit by `close()`.
 */
import type { Cluster, Redis } from 'ioredis';
import { decodeFeedMessage, encodeFeedMessage, type FeedMessage, type RevocationFeed } from '../contract.js';
import type { IoRedisConnection, RedisContext } from './context.js';

export interface RedisFeed extends RevocationFeed {
  /** Drops every listener and quits the subscriber connection; later subscriptions throw. */
  close(): Promise<void>;
}

export function createRedisFeed({ client, prefix, call }: RedisContext): RedisFeed {
  const channel = `${prefix}revocations`;
  const listeners = new Set<(message: FeedMessage) => void>();
  const statusListeners = new Set<(connected: boolean) => void>();
  let closed = false;
  let subscriber: IoRedisConnection | undefined;
  let subscribed = false;
  const announce = (connected: boolean) => {
    if (subscribed === connected) return;
    subscribed = connected;
    for (const listener of statusListeners) listener(connected);
  };

  function startSubscriber(): IoRedisConnection {
    // Type-only use of ioredis: the kit loads without it when the host uses another store.
    const sub: IoRedisConnection = client.isCluster
      ? (client as Cluster).duplicate()
      : (client as Redis).duplicate();
    sub.on('message', (from: string, wire: string) => {
      if (from !== channel) return;
      const message = decodeFeedMessage(wire);
      if (!message) return;
      for (const listener of listeners) listener(message);
    });
    // "Up" only once Redis confirmed the subscription, after every (re)connect.
    sub.on('ready', () => {
      sub.subscribe(channel).then(
        () => announce(true),
        () => {},
      );
    });
    sub.on('close', () => announce(false));
    sub.on('end', () => announce(false));
    // Errors surface as 'close' and reconnects; without a listener they would be unhandled.
    sub.on('error', () => {});
    return sub;
  }

  return {
    async publish(message) {
      // This process learns at once (its next request must already see the revocation);
      // the others through Redis. Listeners take the echo that follows as a no-op.
      for (const listener of listeners) listener(message);
      await call(() => client.publish(channel, encodeFeedMessage(message)));
    },
    subscribe(listener, onStatus) {
      if (closed) throw new Error('the Redis store is closed');
      listeners.add(listener);
      if (onStatus) statusListeners.add(onStatus);
      subscriber ??= startSubscriber();
      if (onStatus && subscribed) onStatus(true);
      return () => {
        listeners.delete(listener);
        if (onStatus) statusListeners.delete(onStatus);
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      statusListeners.clear();
      const sub = subscriber;
      subscriber = undefined;
      if (sub) await sub.quit().catch(() => sub.disconnect());
    },
  };
}
