/**
 * The storage contract every oauth-kit store implements.
 *
 * It is oidc-provider's adapter contract (one adapter instance per model name: "Grant",
 * "Session", "AccessToken", "AuthorizationCode", "RefreshToken", "ClientCredentials",
 * "Client", "Interaction", ...), plus the rules oauth-kit adds on top of it:
 *
 * - `consume(id)` is atomic. Exactly one caller may consume an artifact; every later caller
 *   gets a {@link ConsumedArtifactReplay} error (an `invalid_grant`), and the kit then revokes
 *   the artifact's whole grant. oidc-provider reads `consumed` before it calls `consume()`, so
 *   two concurrent refreshes would otherwise both succeed. Consuming an id that is not (or no
 *   longer) stored is refused the same way: the request that loaded a code just before a
 *   concurrent replay revoked its grant must not go on to issue tokens.
 * - `revokeByGrantId(grantId)` removes every artifact of that grant stored under this model.
 * - An artifact of one of the {@link GRANT_BOUND_MODELS} whose grant is not stored (revoked,
 *   expired) is not stored either: `upsert` resolves and the artifact is dead on arrival, as if
 *   the revocation had come just after it. So a token issued while a concurrent replay revokes
 *   the grant is never left behind under the deleted grant.
 * - Every stored payload expires after `expiresIn` seconds; expired payloads are never returned.
 */
import { errors } from 'oidc-provider';

/*
 * The contract is written in the kit's own types, not oidc-provider's: the published
 * declarations then compile without oidc-provider's type package (which the kit only uses
 * inside). oidc-provider accepts these shapes as its own `Adapter` and `AdapterPayload`.
 */

/**
 * One stored artifact: the JSON object oidc-provider hands to `upsert` (its `AdapterPayload`).
 * A store reads the members named here and keeps every other one as it came.
 */
export interface AdapterPayload {
  [member: string]: unknown;
  /** The grant the artifact belongs to (see {@link GRANT_BOUND_MODELS}). */
  grantId?: string | undefined;
  /** When a single-use artifact was consumed (epoch seconds); set by `consume`. */
  consumed?: unknown;
  /** The interaction or session id `findByUid` looks up. */
  uid?: string | undefined;
  /** The device flow's user code `findByUserCode` looks up. */
  userCode?: string | undefined;
}

/** One model's storage, as oidc-provider calls it (the rules above apply). */
export interface Adapter {
  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void>;
  find(id: string): Promise<AdapterPayload | undefined>;
  findByUid(uid: string): Promise<AdapterPayload | undefined>;
  findByUserCode(userCode: string): Promise<AdapterPayload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

/**
 * oidc-provider's error base, as the kit's declarations name it: the store's errors below
 * extend oidc-provider's classes (so oidc-provider answers them itself, with their status).
 */
export interface ProviderError extends Error {
  status: number;
  statusCode: number;
  error: string;
  error_description?: string | undefined;
  error_detail?: string | undefined;
  expose: boolean;
}
const OIDCProviderError: new (
  status: number,
  message: string,
  options?: { cause?: unknown },
) => ProviderError = errors.OIDCProviderError;
const InvalidGrant: new (detail?: string) => ProviderError = errors.InvalidGrant;

/** The models whose artifacts belong to a grant: revoking the grant removes them all. */
export const GRANT_BOUND_MODELS = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
] as const;

/** A constructor oidc-provider calls once per model name. */
export interface AdapterConstructor {
  new (modelName: string): Adapter;
}

/**
 * Small JSON records the kit keeps beside oidc-provider's models (registered apps, a user's
 * authorizations, ...). Each record may be filed under index keys (e.g. `owner:user_123`) so
 * the kit can list them without scanning.
 */
export interface RecordStore {
  get<T>(collection: string, id: string): Promise<T | undefined>;
  /** Creates or replaces a record; its index keys replace the previous ones. */
  set<T>(
    collection: string,
    id: string,
    value: T,
    options?: { ttlSeconds?: number; indexes?: string[] },
  ): Promise<void>;
  /**
   * Creates the record unless a live one exists, atomically across every process sharing the
   * store (Redis: SET NX). Resolves true when it created it. For single-use markers (a DPoP
   * proof's `jti`), so it takes no indexes.
   */
  setIfAbsent<T>(collection: string, id: string, value: T, options: { ttlSeconds: number }): Promise<boolean>;
  delete(collection: string, id: string): Promise<void>;
  /** Ids of the live records of `collection` filed under `index`. */
  findIds(collection: string, index: string): Promise<string[]>;
}

/**
 * What the feed announces. `grant`: the grant was revoked (final). `client`: the app was
 * disabled, enabled again or deleted (re-check the store). `token`: one JWT access token was
 * revoked; `id` is its `jti`.
 */
export interface FeedMessage {
  kind: 'grant' | 'client' | 'token';
  id: string;
}

/** Revocations and client changes fanned out to every process that shares the store. */
export interface RevocationFeed {
  /** Announces a message to every subscriber of every process (Redis: PUBLISH). */
  publish(message: FeedMessage): Promise<void>;
  /**
   * Calls `listener` for every message published by any process, and `onStatus` when the
   * subscription goes up or down (while down, callers must not rely on the feed).
   * Returns a function that unsubscribes.
   */
  subscribe(listener: (message: FeedMessage) => void, onStatus?: (connected: boolean) => void): () => void;
}

const FEED_KINDS: ReadonlySet<string> = new Set<FeedMessage['kind']>(['grant', 'client', 'token']);

/** The wire form of a feed message for stores that carry strings: `kind:id`. */
export function encodeFeedMessage(message: FeedMessage): string {
  return `${message.kind}:${message.id}`;
}

/**
 * Reads {@link encodeFeedMessage}'s form. A message without `:` is a bare grant id, as
 * processes of earlier versions publish them; anything else unknown is ignored (undefined).
 */
export function decodeFeedMessage(wire: string): FeedMessage | undefined {
  const colon = wire.indexOf(':');
  if (colon === -1) return wire === '' ? undefined : { kind: 'grant', id: wire };
  const kind = wire.slice(0, colon);
  const id = wire.slice(colon + 1);
  if (!FEED_KINDS.has(kind) || id === '') return undefined;
  return { kind: kind as FeedMessage['kind'], id };
}

/**
 * Small counters and rankings shared by every process (abuse monitoring, alert rules, one-time
 * flashes). Everything here is bounded: each counter and ranking expires `ttlSeconds` after it
 * was created (later increments do not extend it), and a ranking keeps at most `maxMembers`
 * members (the lowest scores are dropped first). Keys of one `group` live together (one Redis
 * Cluster slot), so `read` and `top` over one group are single commands.
 */
export interface CounterStore {
  /** Adds `by` (default 1) to counter `key` of `group`; returns the new value (atomic). */
  increment(group: string, key: string, ttlSeconds: number, by?: number): Promise<number>;
  /** The values of `keys` of `group`, in order; 0 for absent or expired counters. */
  read(group: string, keys: readonly string[]): Promise<number[]>;
  /** Adds `by` (default 1) to `member`'s score in `ranking` of `group`; returns the new score. */
  rank(
    group: string,
    ranking: string,
    member: string,
    options: { ttlSeconds: number; maxMembers: number; by?: number },
  ): Promise<number>;
  /** The `limit` highest members summed over `rankings` of `group`, highest first. */
  top(
    group: string,
    rankings: readonly string[],
    limit: number,
  ): Promise<Array<{ member: string; score: number }>>;
}

/**
 * An oauth-kit store: the adapter class handed to oidc-provider plus the kit's own needs.
 * Every store is created by the host and passed in; stores open no connections of their own.
 */
export interface OAuthStore {
  /** Name shown in logs and errors ("memory", "redis"). */
  readonly name: string;
  /** The class oidc-provider instantiates per model. */
  readonly Adapter: AdapterConstructor;
  /** The kit's own records. */
  readonly records: RecordStore;
  /** Revocation and client-change fan-out between processes. */
  readonly revocations: RevocationFeed;
  /** Shared counters and rankings (see {@link CounterStore}). */
  readonly counters: CounterStore;
  /** Releases timers and connections the store owns. */
  close(): Promise<void>;
  /**
   * Present when the store keeps a refresh retry window (see {@link RefreshRetryCache}); the
   * kit then answers a retried refresh with the pair the first one returned.
   */
  readonly refreshRetry?: RefreshRetryCache;
}

/**
 * The optional refresh retry window. Within `windowSeconds` after a refresh token was rotated,
 * `consume` of it throws {@link RefreshRetryWithinWindow} (decided atomically with the rotation)
 * instead of {@link ConsumedArtifactReplay}, and the kit answers with the token response it
 * saved for the first use. The saved response is bound to the presented refresh token (stores
 * encrypt it under a key derived from it) and dies with the grant.
 */
export interface RefreshRetryCache {
  readonly windowSeconds: number;
  /** Keeps `response` for `ttlSeconds` (longer than the window: retries may look late). */
  save(
    refreshToken: string,
    grantId: string,
    response: Record<string, unknown>,
    ttlSeconds: number,
  ): Promise<void>;
  load(refreshToken: string, grantId: string): Promise<Record<string, unknown> | undefined>;
}

/**
 * A single-use artifact (authorization code, rotated refresh token) was presented again while
 * another request was consuming it, or is gone (its grant was revoked meanwhile). Extends
 * oidc-provider's InvalidGrant so the client sees `invalid_grant`, never a 500; carries the
 * grant id, when the store still knew it, so the kit can revoke the grant.
 */
export class ConsumedArtifactReplay extends InvalidGrant {
  readonly grantId: string | undefined;
  constructor(grantId: string | undefined) {
    super('token or code already used');
    this.grantId = grantId;
  }
}

/**
 * A rotated refresh token was presented again within the store's retry window. Still an
 * `invalid_grant` if the kit cannot find the first response; never revokes the grant.
 */
export class RefreshRetryWithinWindow extends InvalidGrant {
  readonly grantId: string | undefined;
  constructor(grantId: string | undefined) {
    super('refresh token retried within the retry window');
    this.grantId = grantId;
  }
}

/**
 * The store did not answer in time or is unreachable. oidc-provider answers it as a 503 JSON
 * `temporarily_unavailable` (never a 500, never a hang); requireScope fails closed with 503.
 * The message never carries keys, ids or payloads.
 */
export class StoreUnavailableError extends OIDCProviderError {
  readonly code = 'OAUTH_KIT_STORE_UNAVAILABLE';
  constructor(options?: { cause?: unknown }) {
    super(
      503,
      'temporarily_unavailable',
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    // oidc-provider hides errors with a status >= 500 behind `server_error`; this one is safe
    // to show and tells the client to retry.
    this.expose = true;
    this.error_description = 'The authorization server is temporarily unavailable; retry shortly.';
  }
}
