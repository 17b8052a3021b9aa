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
 *   two concurrent refreshes would otherwise both succeed.
 * - `revokeByGrantId(grantId)` removes every artifact of that grant stored under this model.
 * - Every stored payload expires after `expiresIn` seconds; expired payloads are never returned.
 */
import { errors } from 'oidc-provider';
import type { Adapter, AdapterPayload } from 'oidc-provider';

export type { Adapter, AdapterPayload };

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
  delete(collection: string, id: string): Promise<void>;
  /** Ids of the live records of `collection` filed under `index`. */
  findIds(collection: string, index: string): Promise<string[]>;
}

/** Grant revocations fanned out to every process that shares the store. */
export interface RevocationFeed {
  /** Announces that a grant was revoked (Redis: PUBLISH). */
  publish(grantId: string): Promise<void>;
  /**
   * Calls `listener` for every revocation published by any process, and `onStatus` when the
   * subscription goes up or down (while down, callers must not rely on the feed).
   * Returns a function that unsubscribes.
   */
  subscribe(listener: (grantId: string) => void, onStatus?: (connected: boolean) => void): () => void;
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
  /** Revocation fan-out between processes. */
  readonly revocations: RevocationFeed;
  /** Releases timers and connections the store owns. */
  close(): Promise<void>;
}

/**
 * A single-use artifact (authorization code, rotated refresh token) was presented again while
 * another request was consuming it. Extends oidc-provider's InvalidGrant so the client sees
 * `invalid_grant`, never a 500; carries the grant id so the kit can revoke the grant.
 */
export class ConsumedArtifactReplay extends errors.InvalidGrant {
  readonly grantId: string | undefined;
  constructor(grantId: string | undefined) {
    super('token or code already used');
    this.grantId = grantId;
  }
}
