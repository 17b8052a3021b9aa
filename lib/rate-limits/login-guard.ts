/**
 * The login guard: the kit's login form's protection against password guessing, for any sign-in
 * form — the host product's own `/signin` included — on the same counters, so that guessing
 * through one form is stopped at the other too:
 *
 * - `login.perIp`: sign-in attempts per client IP;
 * - `login.perAccount`: wrong passwords per login name, then a lockout (doubling, capped),
 *   during which the password is not even checked: a locked account gives a guesser nothing.
 *
 * Every refusal and failure is a security event (`rate_limit.exceeded`, `login.failed`,
 * `login.locked`, `login.succeeded`); login names appear there only as keyed hashes.
 */
import type { Request } from 'express';
import type { SecurityEvents } from '../events/events.js';
import type { RateLimiters } from './rate-limits.js';
import { clientIp, ipLimitKey } from '../requests/request-identity.js';

/** The outcome of a guarded sign-in attempt. */
export type LoginAttempt<A> =
  | { ok: true; account: A }
  | { ok: false; reason: 'invalid_credentials' }
  /** Too many attempts from this IP, or the account is locked: answer 429 with Retry-After. */
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number };

/**
 * Runs `verify` (your password check) behind the kit's login limits and records its outcome.
 * `login` is the name the user typed (e.g. the email); `verify` resolves to the account, or
 * `undefined` for wrong credentials.
 */
export type LoginGuard = <A extends { id: string }>(
  req: Request,
  login: string,
  verify: () => Promise<A | undefined>,
) => Promise<LoginAttempt<A>>;

export interface GuardOptions {
  /** The OAuth client the sign-in is for (events only). */
  clientId?: string;
  /** The kit's login form: its route's rate-limit middleware already counted the IP. */
  ipCounted?: boolean;
}

export function createLoginGuard(limiters: RateLimiters, events: SecurityEvents) {
  return async function guardLogin<A extends { id: string }>(
    req: Request,
    login: string,
    verify: () => Promise<A | undefined>,
    { clientId, ipCounted = false }: GuardOptions = {},
  ): Promise<LoginAttempt<A>> {
    const ip = clientIp(req);
    const refuse = (limit: 'login.perIp' | 'login.perAccount', retryAfterSeconds: number) => {
      events.emit('rate_limit.exceeded', { limit, retryAfterSeconds, clientId }, ip);
      return { ok: false as const, reason: 'rate_limited' as const, retryAfterSeconds };
    };
    if (!ipCounted) {
      const wait = await limiters.consume('login.perIp', ipLimitKey(ip));
      if (wait !== undefined) return refuse('login.perIp', wait);
    }
    // Keyed by a hash of the login name, checked before the password.
    const loginHash = events.loginHash(login);
    const lockedFor = await limiters.loginLockedFor(loginHash);
    if (lockedFor) return refuse('login.perAccount', lockedFor);
    const account = await verify();
    if (!account) {
      events.emit('login.failed', { loginHash, clientId }, ip);
      const lockFor = await limiters.loginFailed(loginHash);
      if (!lockFor) return { ok: false, reason: 'invalid_credentials' };
      events.emit('login.locked', { loginHash, lockedForSeconds: lockFor, clientId }, ip);
      return { ok: false, reason: 'rate_limited', retryAfterSeconds: lockFor };
    }
    await limiters.loginSucceeded(loginHash);
    events.emit('login.succeeded', { accountId: account.id, clientId }, ip);
    return { ok: true, account };
  };
}
