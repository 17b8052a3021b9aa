/**
 * Settings → Admin → Abuse monitoring (administrators only): the last 24 hours of security
 * events from the shared store as small server-rendered SVG charts (no scripts), the noisiest
 * clients and sources, and the alert rules in force.
 */
import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import { BUCKET_SECONDS, type AlertRule, type Monitor } from '../events/monitor.js';
import { requireAdmin } from './admin-page.js';
import { renderPage, signedIn, type PageDeps } from './common.js';

const CHART = { width: 384, height: 48, bar: 3 } as const;
/** Series that are worth a second look whenever they are not zero. */
const ALARMING = new Set([
  'client.authentication_failed',
  'login.locked',
  'refresh_token.reuse_detected',
  'grant.revoked.reuse',
  'rate_limit.exceeded',
]);

export interface MonitoringDeps {
  monitor: Monitor;
  rules: readonly AlertRule[];
  /** A known client's name (registered or in code); undefined for unknown ids. */
  clientName(clientId: string): Promise<string | undefined>;
}

const shortHash = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 10);

export function monitoringPage(deps: PageDeps, monitoring: MonitoringDeps): Router {
  const path = deps.pages.paths.monitoring;
  const router = express.Router();
  const guard = signedIn(deps);

  router.get(path, guard, requireAdmin, async (req, res) => {
    const snapshot = await monitoring.monitor.snapshot(10);
    const step = CHART.width / snapshot.series[0]!.buckets.length;
    const series = snapshot.series.map((s) => {
      const peak = Math.max(0, ...s.buckets);
      return {
        ...s,
        peak,
        alarming: ALARMING.has(s.id),
        bars: s.buckets
          .map((value, i) => ({
            x: +(i * step).toFixed(1),
            h: peak ? Math.max(1, Math.round((value / peak) * (CHART.height - 2))) : 0,
          }))
          .filter((bar) => bar.h > 0),
      };
    });
    const clients = await Promise.all(
      snapshot.clients.map(async ({ member, score }) => {
        const id = member.replace(/^client:/, '');
        const name = await monitoring.clientName(id).catch(() => undefined);
        // An id nobody registered is whatever a request sent: shown hashed, never as typed.
        return name ? { name, id, score } : { hash: shortHash(id), score };
      }),
    );
    await renderPage(deps, req, res, 'monitoring', {
      series,
      chart: CHART,
      bucketSeconds: BUCKET_SECONDS,
      clients,
      sources: snapshot.sources.map(({ member, score }) => ({ hash: member.replace(/^source:/, ''), score })),
      rules: monitoring.rules,
      generatedAt: Date.now(),
    });
  });

  return router;
}
