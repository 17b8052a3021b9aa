/**
 * The registry's data shapes. Kept apart from the modules that drive oidc-provider, so that the
 * published declarations of the public types (AppRegistry, RegisteredApp) never import
 * oidc-provider's types.
 */

export interface SecretHash {
  hash: string;
  /** Epoch seconds after which this secret no longer authenticates (rotation overlap). */
  exp?: number;
}

export interface AuthorizationRecord {
  grantId: string;
  accountId: string;
  clientId: string;
  scopes: string[];
  createdAt: string;
  /** Last time the app obtained an access token with this grant. */
  lastUsedAt?: string;
}

/** One app as the user sees it on "Connected apps": its grants merged. */
export interface ConnectedApp {
  clientId: string;
  name: string;
  homepageUrl: string | undefined;
  testMode: boolean;
  /** False when the app is disabled or gone: its tokens do not work. */
  available: boolean;
  scopes: string[];
  authorizedAt: string;
  lastUsedAt: string | undefined;
  grantIds: string[];
}

export interface Authorizations {
  /** Called when a user approved: files (or refreshes) the record of the grant. */
  recordConsent(grant: {
    grantId: string;
    accountId: string;
    clientId: string;
    scopes: string[];
  }): Promise<void>;
  /** Marks the grant as used now (an access token was issued from it). */
  touch(grantId: string): Promise<void>;
  listForAccount(accountId: string): Promise<ConnectedApp[]>;
  /** Revokes every grant `accountId` gave `clientId`; returns how many. */
  revokeForAccount(accountId: string, clientId: string): Promise<number>;
  revokeForClient(clientId: string): Promise<number>;
  /**
   * Takes `scope` out of every grant users gave `clientId` (the rest of each grant stays), so a
   * refresh yields tokens without it, even if the scope is approved for the app again later.
   * Returns how many grants carried it.
   */
  withdrawScope(clientId: string, scope: string): Promise<number>;
}
