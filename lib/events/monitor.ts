/**
 * Abuse monitoring: the last 24 hours of security events as counts in the shared store (so every
 * process adds to, and the admin page reads, one picture), and alert rules that call the host's
 * `onAlert` when crossed.
 *
 * Counts are kept in 15-minute buckets per series and hourly rankings of the noisiest clients
 * and sources (an IP's keyed hash, never the IP). Everything expires after 25 hours and each
 * ranking keeps at most 500 members (CounterStore bounds), so a flood of made-up client ids
 * costs bounded space. High-volume series are added up in memory and written every few
 * seconds; alert rules count at once, and fire exactly once per rule, key and window across
 * every process (the store's atomic counter sees the crossing once).
 */
import { createHmac } from 'node:crypto';
import type { CounterStore } from '../../adapters/contract.js';
import type { SecurityEvent, SecurityEventType } from './events.js';
import type { SecurityLogger } from '../logging/logger.js';

/** The series the monitoring page charts, in order. */
export const SERIES = [
  { id: 'token.issued', label: 'Tokens issued' },
  { id: 'token.refreshed', label: 'Tokens refreshed' },
  { id: 'client.authentication_failed', label: 'Failed client authentications' },
  { id: 'login.failed', label: 'Failed logins' },
  { id: 'login.locked', label: 'Account lockouts' },
  { id: 'refresh_token.reuse_detected', label: 'Refresh-token reuse detected' },
  { id: 'grant.revoked.reuse', label: 'Grants revoked for reuse' },
  { id: 'rate_limit.exceeded', label: 'Rate-limit hits' },
  { id: 'app.disabled', label: 'Apps disabled' },
] as const;
export type SeriesId = (typeof SERIES)[number]['id'];

/** Events that make a client or a source "noisy". */
const NOISY = new Set<SecurityEventType>([
  'client.authentication_failed',
  'login.failed',
  'login.locked',
  'refresh_token.reuse_detected',
  'rate_limit.exceeded',
]);

export const BUCKET_SECONDS = 15 * 60;
export const BUCKETS = (24 * 60 * 60) / BUCKET_SECONDS;
const RETAIN_SECONDS = 25 * 60 * 60;
const MAX_RANKED = 500;
const MAX_MEMBER = 120;
const GROUP = 'monitor';
const ALERT_GROUP = 'alerts';
const FLUSH_EVERY_MS = 2000;

/** A rule the host configures: "more than `threshold` `event`s within `windowSeconds`". */
export interface AlertRule {
  /** Names the rule in alerts and logs, e.g. `client_auth_failures`. */
  name: string;
  event: SecurityEventType;
  /** Count per client, per source (hashed IP), or all together. Default `'all'`. */
  per?: 'client' | 'source' | 'all';
  /** Fires when the count goes above this (0: on the first event). */
  threshold: number;
  /** Length of the counting window, in seconds (fixed windows). */
  windowSeconds: number;
}

export interface Alert {
  rule: string;
  event: SecurityEventType;
  /** Events counted in the window when the rule fired (threshold + 1). */
  count: number;
  threshold: number;
  windowSeconds: number;
  clientId?: string;
  /** Keyed hash of the source IP (rules per source). */
  source?: string;
  /** ISO-8601. */
  time: string;
}

export type AlertListener = (alert: Alert) => void | Promise<void>;

/** Any refresh-token reuse; more than 10 failed client authentications for one client a minute
 *  (below the 20 per client and source that `rateLimits.clientAuthentication` lets through). */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = [
  { name: 'refresh_token_reuse', event: 'refresh_token.reuse_detected', threshold: 0, windowSeconds: 60 },
  {
    name: 'client_auth_failures',
    event: 'client.authentication_failed',
    per: 'client',
    threshold: 10,
    windowSeconds: 60,
  },
];

export interface MonitoringSnapshot {
  /** Start of the first bucket (epoch seconds). */
  since: number;
  bucketSeconds: number;
  series: Array<{ id: SeriesId; label: string; buckets: number[]; total: number }>;
  /** Noisiest clients (`client:<id>`) and sources (`source:<hash>`), last 24 h. */
  clients: Array<{ member: string; score: number }>;
  sources: Array<{ member: string; score: number }>;
}

export interface Monitor {
  record(event: SecurityEvent): void;
  snapshot(limit?: number): Promise<MonitoringSnapshot>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createMonitor(deps: {
  counters: CounterStore;
  rules: readonly AlertRule[];
  onAlert: AlertListener | undefined;
  logger: SecurityLogger;
  /** Key for hashing source IPs. */
  hashKey: string;
  now?: () => number;
}): Monitor {
  const { counters, rules, onAlert, logger } = deps;
  const now = deps.now ?? (() => Date.now() / 1000);
  const pending = new Map<string, number>();
  const pendingRanks = new Map<string, number>();
  let storeFailed = false;

  const sourceOf = (ip: string | undefined) =>
    ip
      ? createHmac('sha256', deps.hashKey).update(`oauth-kit source\0${ip}`).digest('base64url').slice(0, 12)
      : undefined;
  const bucketOf = (t: number) => Math.floor(t / BUCKET_SECONDS);
  const hourOf = (t: number) => Math.floor(t / 3600);

  function failed(error: unknown): void {
    if (storeFailed) return;
    storeFailed = true;
    logger.error(
      { event: 'monitoring_store_error', errorName: (error as Error)?.name },
      'monitoring store error',
    );
  }

  function seriesOf(event: SecurityEvent): SeriesId | undefined {
    if (event.type === 'grant.revoked')
      return event.reason === 'refresh_token_reuse' ? 'grant.revoked.reuse' : undefined;
    return SERIES.some((s) => s.id === event.type) ? (event.type as SeriesId) : undefined;
  }

  async function flush(): Promise<void> {
    const counts = [...pending];
    const ranks = [...pendingRanks];
    pending.clear();
    pendingRanks.clear();
    try {
      await Promise.all([
        ...counts.map(([key, by]) => counters.increment(GROUP, key, RETAIN_SECONDS, by)),
        ...ranks.map(([key, by]) => {
          const [ranking, member] = key.split('\0') as [string, string];
          return counters.rank(GROUP, ranking, member, {
            ttlSeconds: RETAIN_SECONDS,
            maxMembers: MAX_RANKED,
            by,
          });
        }),
      ]);
      storeFailed = false;
    } catch (error) {
      failed(error);
    }
  }
  const timer = setInterval(() => void flush(), FLUSH_EVERY_MS);
  timer.unref();

  async function checkRules(event: SecurityEvent, source: string | undefined): Promise<void> {
    const clientId = 'clientId' in event && typeof event.clientId === 'string' ? event.clientId : undefined;
    for (const rule of rules) {
      if (rule.event !== event.type) continue;
      const per = rule.per ?? 'all';
      const member = per === 'client' ? clientId : per === 'source' ? source : '*';
      if (member === undefined) continue;
      const window = Math.floor(now() / rule.windowSeconds);
      const count = await counters.rank(ALERT_GROUP, `${rule.name}:${window}`, member.slice(0, MAX_MEMBER), {
        ttlSeconds: rule.windowSeconds * 2,
        maxMembers: MAX_RANKED,
      });
      if (count !== rule.threshold + 1) continue;
      const alert: Alert = {
        rule: rule.name,
        event: rule.event,
        count,
        threshold: rule.threshold,
        windowSeconds: rule.windowSeconds,
        ...(per === 'client' && clientId ? { clientId: clientId.slice(0, MAX_MEMBER) } : {}),
        ...(per === 'source' && source ? { source } : {}),
        time: new Date(now() * 1000).toISOString(),
      };
      const { event: alertEvent, ...rest } = alert;
      logger.warn({ event: 'alert', alertEvent, ...rest }, `alert: ${rule.name}`);
      try {
        await onAlert?.(alert);
      } catch (error) {
        logger.error({ event: 'alert_listener_failed', errorName: (error as Error)?.name }, 'onAlert threw');
      }
    }
  }

  return {
    record(event) {
      const t = now();
      const series = seriesOf(event);
      if (series) {
        const key = `${series}:${bucketOf(t)}`;
        pending.set(key, (pending.get(key) ?? 0) + 1);
      }
      const noisy = NOISY.has(event.type);
      const ruled = rules.some((r) => r.event === event.type);
      // Hashed only where it is used: most events (every token issued) are neither.
      const source = noisy || ruled ? sourceOf(event.ip) : undefined;
      if (noisy) {
        const clientId =
          'clientId' in event && typeof event.clientId === 'string' ? event.clientId : undefined;
        const hour = hourOf(t);
        if (clientId) {
          const key = `clients:${hour}\0client:${clientId.slice(0, MAX_MEMBER)}`;
          pendingRanks.set(key, (pendingRanks.get(key) ?? 0) + 1);
        }
        if (source) {
          const key = `sources:${hour}\0source:${source}`;
          pendingRanks.set(key, (pendingRanks.get(key) ?? 0) + 1);
        }
      }
      if (ruled) checkRules(event, source).catch(failed);
    },

    async snapshot(limit = 10) {
      await flush();
      const current = bucketOf(now());
      const first = current - BUCKETS + 1;
      const indexes = Array.from({ length: BUCKETS }, (_, i) => first + i);
      const keys = SERIES.flatMap((s) => indexes.map((b) => `${s.id}:${b}`));
      const values = await counters.read(GROUP, keys);
      const hours = Array.from({ length: 25 }, (_, i) => hourOf(now()) - i);
      const [clients, sources] = await Promise.all([
        counters.top(
          GROUP,
          hours.map((h) => `clients:${h}`),
          limit,
        ),
        counters.top(
          GROUP,
          hours.map((h) => `sources:${h}`),
          limit,
        ),
      ]);
      return {
        since: first * BUCKET_SECONDS,
        bucketSeconds: BUCKET_SECONDS,
        series: SERIES.map((s, i) => {
          const buckets = values.slice(i * BUCKETS, (i + 1) * BUCKETS);
          return { id: s.id, label: s.label, buckets, total: buckets.reduce((a, b) => a + b, 0) };
        }),
        clients,
        sources,
      };
    },

    flush,

    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
