/**
 * Security events: one typed record per thing an operator may want to alert on, handed to the
 * host's `onSecurityEvent` and written as a structured log line.
 *
 * The rule that shapes this file: an event carries identifiers (client id, account id, grant
 * id, IP) and never a credential. Every field is listed below, so a token, code, secret or
 * password cannot reach a listener or a log line through an event. User-typed login names are
 * not logged either (people type passwords into them): `loginHash` is a keyed hash that lets an
 * operator correlate attempts on one account without learning the name.
 */
import { createHmac } from 'node:crypto';
import type { SecurityLogger } from '../logging/logger.js';

/** The details each event type carries, besides `type`, `time` and `ip`. */
export interface SecurityEventDetails {
  /** An authorization code or client-credentials exchange issued tokens. */
  'token.issued': {
    clientId: string;
    grantType: string;
    accountId?: string;
    grantId?: string;
    scope?: string;
  };
  /** A refresh token was exchanged (and rotated). */
  'token.refreshed': { clientId: string; accountId?: string; grantId?: string; scope?: string };
  /** A token was revoked at the revocation endpoint. */
  'token.revoked': { clientId: string; tokenType: string; grantId?: string };
  /** Every code and token of a grant were revoked. */
  'grant.revoked': { grantId: string; reason: GrantRevocationReason };
  /** A rotated refresh token was presented again: the grant was revoked (RFC 9700 §4.14.2). */
  'refresh_token.reuse_detected': { clientId: string; grantId?: string };
  /** An authorization code was presented again: what it issued was revoked (RFC 6749 §4.1.2). */
  'authorization_code.reuse_detected': { clientId: string; grantId?: string };
  /** A client failed to authenticate at the token, revocation or introspection endpoint. */
  'client.authentication_failed': { clientId?: string; endpoint: string };
  /** Wrong credentials on the kit's login page, or a host sign-in form using `kit.guardLogin`. */
  'login.failed': { loginHash: string; clientId?: string };
  /** Too many failed logins for one account: it is locked for `lockedForSeconds`. */
  'login.locked': { loginHash: string; lockedForSeconds: number; clientId?: string };
  'login.succeeded': { accountId: string; clientId?: string };
  'consent.granted': { accountId: string; clientId: string; scope: string; grantId: string };
  'consent.denied': { accountId?: string; clientId: string };
  /** A rate limit refused a request. */
  'rate_limit.exceeded': { limit: string; retryAfterSeconds: number; clientId?: string };
  /** A developer registered an app (`kit.apps`, the developer pages or their JSON API). */
  'app.created': { clientId: string; ownerId?: string };
  'app.disabled': { clientId: string; ownerId?: string };
  'app.enabled': { clientId: string; ownerId?: string };
  'app.secret_rotated': { clientId: string; ownerId?: string };
  /** The app and every grant users gave it are gone. */
  'app.deleted': { clientId: string; ownerId?: string };
}

export type GrantRevocationReason =
  'refresh_token_reuse' | 'authorization_code_reuse' | 'revocation_endpoint' | 'host';

export type SecurityEventType = keyof SecurityEventDetails;

/** One security event, discriminated by `type`. */
export type SecurityEvent = {
  [K in SecurityEventType]: {
    type: K;
    /** ISO-8601 time the kit observed it. */
    time: string;
    /** Client IP (the proxy's unless the host trusts it; see README "Behind a proxy"). */
    ip?: string;
  } & SecurityEventDetails[K];
}[SecurityEventType];

export type SecurityEventListener = (event: SecurityEvent) => void | Promise<void>;

/** Level of each event's log line: failures and abuse signals are warnings. */
const WARN: ReadonlySet<SecurityEventType> = new Set<SecurityEventType>([
  'client.authentication_failed',
  'login.failed',
  'login.locked',
  'refresh_token.reuse_detected',
  'authorization_code.reuse_detected',
  'rate_limit.exceeded',
]);

/** Longest string copied into an event: client ids come from requests, so bound them. */
const MAX_STRING = 512;

export interface SecurityEvents {
  emit: <K extends SecurityEventType>(type: K, details: SecurityEventDetails[K], ip?: string) => void;
  /** Keyed hash of a login name, for `login.*` events and the per-account lockout. */
  loginHash: (login: string) => string;
}

export function createSecurityEvents(deps: {
  listener: SecurityEventListener | undefined;
  logger: SecurityLogger;
  /** Key for `loginHash`: one of the cookie keys, so it is stable across restarts. */
  hashKey: string;
}): SecurityEvents {
  const { listener, logger } = deps;

  function deliver(event: SecurityEvent): void {
    if (!listener) return;
    // A failing listener must never fail the request that produced the event.
    try {
      const result = listener(event);
      // No promise for a listener that returned none (one event per token request).
      if (result !== undefined) Promise.resolve(result).catch((error: unknown) => listenerFailed(error));
    } catch (error) {
      listenerFailed(error);
    }
  }
  function listenerFailed(error: unknown): void {
    logger.error(
      { event: 'security_event_listener_failed', errorName: (error as Error)?.name },
      'onSecurityEvent threw',
    );
  }

  return {
    emit(type, details, ip) {
      const level = WARN.has(type) ? 'warn' : 'info';
      const logged = logger.isLevelEnabled?.(level) ?? true;
      // Nobody would see it (one per token request: profiled, building it cost ~2 % there).
      if (!logged && !listener) return;
      // The logger stamps its own time; the listener gets it on the event. Built field by field:
      // object spreads here measured ~2 % of a token request's CPU (every issue emits one).
      if (logged) logger[level](withDetails({ event: type }, details, ip), type);
      if (listener)
        deliver(withDetails({ type, time: new Date().toISOString() }, details, ip) as SecurityEvent);
    },
    loginHash(login) {
      return createHmac('sha256', deps.hashKey)
        .update(`oauth-kit login\0${login.trim().toLowerCase()}`)
        .digest('base64url')
        .slice(0, 22);
    },
  };
}

/** `record` with the IP, then each defined detail (long strings cut), in that order. */
function withDetails(
  record: Record<string, unknown>,
  details: object,
  ip: string | undefined,
): Record<string, unknown> {
  if (ip) record.ip = ip;
  for (const key of Object.keys(details)) {
    const value = (details as Record<string, unknown>)[key];
    if (value === undefined) continue;
    record[key] =
      typeof value === 'string' && value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  }
  return record;
}
