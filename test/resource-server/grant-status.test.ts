/** The revocation cache: no store round trip per request, and never a stale "alive". */
import type { FeedMessage, RevocationFeed } from '../../adapters/contract.js';
import { createGrantStatus, FeedDownError } from '../../lib/resource-server/grant-status.js';

/** A RevocationFeed the test drives: publish reaches subscribers; the link can drop. */
function controllableFeed() {
  const listeners = new Set<(message: FeedMessage) => void>();
  const statuses = new Set<(up: boolean) => void>();
  const feed: RevocationFeed = {
    async publish(message) {
      listeners.forEach((l) => l(message));
    },
    subscribe(listener, onStatus) {
      listeners.add(listener);
      if (onStatus) statuses.add(onStatus);
      onStatus?.(true);
      return () => listeners.delete(listener);
    },
  };
  return { feed, setUp: (up: boolean) => statuses.forEach((s) => s(up)) };
}

function countingStore(alive: Set<string>) {
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    async isGrantActive(id: string) {
      calls += 1;
      return alive.has(id);
    },
  };
}

test('a live grant is checked against the store once, then served from memory', async () => {
  const { feed } = controllableFeed();
  const store = countingStore(new Set(['g1']));
  const status = createGrantStatus({
    feed,
    isGrantActive: store.isGrantActive,
    maxTokenLifetimeSeconds: 3600,
  });
  for (let i = 0; i < 100; i += 1) expect(await status.isActive('g1')).toBe(true);
  expect(store.calls).toBe(1);
});

test('a published revocation is refused at once, without asking the store', async () => {
  const { feed } = controllableFeed();
  const alive = new Set(['g1']);
  const store = countingStore(alive);
  const status = createGrantStatus({
    feed,
    isGrantActive: store.isGrantActive,
    maxTokenLifetimeSeconds: 3600,
  });
  expect(await status.isActive('g1')).toBe(true);
  await feed.publish({ kind: 'grant', id: 'g1' });
  expect(await status.isActive('g1')).toBe(false);
  expect(store.calls).toBe(1);
});

test('while the feed is down every request checks the store', async () => {
  const { feed, setUp } = controllableFeed();
  const alive = new Set(['g1']);
  const store = countingStore(alive);
  const status = createGrantStatus({
    feed,
    isGrantActive: store.isGrantActive,
    maxTokenLifetimeSeconds: 3600,
  });
  expect(await status.isActive('g1')).toBe(true);
  setUp(false);
  alive.delete('g1'); // revoked while nobody listened
  expect(await status.isActive('g1')).toBe(false);
  setUp(true);
  expect(await status.isActive('g1')).toBe(false);
});

test('after the feed comes back, answers from before the outage are forgotten', async () => {
  const { feed, setUp } = controllableFeed();
  const alive = new Set(['g1']);
  const store = countingStore(alive);
  const status = createGrantStatus({
    feed,
    isGrantActive: store.isGrantActive,
    maxTokenLifetimeSeconds: 3600,
  });
  expect(await status.isActive('g1')).toBe(true);
  setUp(false);
  setUp(true);
  alive.delete('g1');
  expect(await status.isActive('g1')).toBe(false);
});

test('fail-closed refuses while the feed is down', async () => {
  const { feed, setUp } = controllableFeed();
  const store = countingStore(new Set(['g1']));
  const status = createGrantStatus({
    feed,
    isGrantActive: store.isGrantActive,
    maxTokenLifetimeSeconds: 3600,
    whenFeedDown: 'fail-closed',
  });
  setUp(false);
  await expect(status.isActive('g1')).rejects.toBeInstanceOf(FeedDownError);
});

test('a revocation arriving during a store check is not overwritten by the stale answer', async () => {
  const { feed } = controllableFeed();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const status = createGrantStatus({
    feed,
    isGrantActive: async () => {
      await gate;
      return true;
    },
    maxTokenLifetimeSeconds: 3600,
  });
  const first = status.isActive('g1');
  await feed.publish({ kind: 'grant', id: 'g1' });
  release();
  expect(await first).toBe(true); // answered before the revocation was known
  expect(await status.isActive('g1')).toBe(false);
});

test('peek answers from memory only, and never "alive" while the feed is down', async () => {
  const { feed, setUp } = controllableFeed();
  const store = countingStore(new Set(['g1']));
  const status = createGrantStatus({
    feed,
    isGrantActive: store.isGrantActive,
    maxTokenLifetimeSeconds: 3600,
  });
  expect(status.peek('g1')).toBeUndefined();
  await status.isActive('g1');
  expect(status.peek('g1')).toBe(true);
  setUp(false);
  expect(status.peek('g1')).toBeUndefined();
  setUp(true);
  await status.isActive('g1');
  await feed.publish({ kind: 'grant', id: 'g1' });
  expect(status.peek('g1')).toBe(false);
  expect(store.calls).toBe(2);
});
