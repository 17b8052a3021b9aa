/**
 * The registry of developer-registered OAuth apps.
 *
 * Each app is kept twice, on purpose: the kit's record (name, owner, requests, state, secret
 * hashes) in `store.records`, and the metadata oidc-provider reads in the store's `Client`
 * model, which it consults on every request, so a change works at /oauth/authorize and
 * /oauth/token at once, in every process sharing the store. A disabled app has no `Client`
 * entry: the token endpoint answers `invalid_client`, authorize shows an error page, and
 * requireScope refuses its tokens (it asks whether the client still exists).
 */
import { randomBytes } from 'node:crypto';
import type { ClientMetadata } from 'oidc-provider';
import type { Adapter, RecordStore, RevocationFeed } from '../../adapters/contract.js';
import type { StaticClient } from '../config/options.js';
import { toClientMetadata } from '../clients/client-metadata.js';
import { APPS, DELETED_APPS } from '../clients/app-status.js';
import type { ScopeCatalog } from '../scopes/catalog.js';
import type { Authorizations, SecretHash } from './types.js';
import { RegistryError } from './errors.js';
import { parseRedirectUris } from './redirect-uris.js';
import { CLIENT_SECRETS, generateClientSecret, TEST_PREFIX } from './secrets.js';

export type ClientType = 'confidential' | 'public';

export interface RegisteredApp {
  clientId: string;
  name: string;
  homepageUrl: string;
  description: string;
  /** Shown on the consent page when present. */
  privacyPolicyUrl?: string;
  termsUrl?: string;
  redirectUris: string[];
  /** User id of the developer who registered it. */
  owner: string;
  type: ClientType;
  /** Non-restricted scopes it may ask for; `undefined`: every non-restricted scope. */
  scopes?: string[];
  /** Restricted scopes the developer asked for, waiting for an administrator. */
  requestedRestrictedScopes: string[];
  approvedRestrictedScopes: string[];
  /**
   * Restricted scopes an administrator withdrew → when (epoch seconds): tokens issued at or
   * before then that carry one are refused everywhere (clients/app-status.ts).
   */
  scopesWithdrawnAt?: Record<string, number>;
  testMode: boolean;
  enabled: boolean;
  /** Keyed hashes only (registry/secrets.ts); the secrets are shown once and never stored. */
  secrets: SecretHash[];
  createdAt: string;
  updatedAt: string;
}

/** What a developer may set. Type and test mode are fixed at creation. */
export interface AppInput {
  name: string;
  homepageUrl: string;
  description?: string;
  /** Optional links shown on the consent page ('' removes one). */
  privacyPolicyUrl?: string;
  termsUrl?: string;
  /** An array, or the form's text with one URL per line. */
  redirectUris: string | readonly unknown[];
  type?: ClientType;
  testMode?: boolean;
  scopes?: readonly unknown[];
}

export interface ScopeRequest {
  app: RegisteredApp;
  scope: string;
}

/** The longest a rotated secret may keep working. */
export const MAX_SECRET_OVERLAP_SECONDS = 7 * 24 * 60 * 60;
export const MAX_APPS_PER_OWNER = 50;
const MAX_NAME = 100;
const MAX_DESCRIPTION = 1000;

const byOwner = (owner: string) => `owner:${owner}`;
const PENDING = 'scope-requests:pending';
const APPROVED = 'scope-requests:approved';

export interface AppRegistry {
  create(owner: string, input: AppInput): Promise<{ app: RegisteredApp; clientSecret?: string }>;
  get(clientId: string): Promise<RegisteredApp | undefined>;
  /** The app, if `owner` registered it; otherwise `not_found` (existence is not disclosed). */
  getOwned(owner: string, clientId: string): Promise<RegisteredApp>;
  listByOwner(owner: string): Promise<RegisteredApp[]>;
  update(owner: string, clientId: string, input: Partial<AppInput>): Promise<RegisteredApp>;
  /** A new secret; the previous one stops at once, or after `overlapSeconds`. */
  rotateSecret(
    owner: string,
    clientId: string,
    overlapSeconds?: number,
  ): Promise<{ app: RegisteredApp; clientSecret: string }>;
  setEnabled(owner: string, clientId: string, enabled: boolean): Promise<RegisteredApp>;
  /** Deletes the app and revokes every grant (and so every token) users gave it. */
  delete(owner: string, clientId: string): Promise<void>;
  requestScope(owner: string, clientId: string, scope: string): Promise<RegisteredApp>;
  listScopeRequests(): Promise<ScopeRequest[]>;
  /** Restricted scopes approved for apps (an administrator may withdraw each). */
  listApprovedScopes(): Promise<ScopeRequest[]>;
  /** Administrators only (the caller checks): approve or reject a pending request. */
  decideScopeRequest(clientId: string, scope: string, approve: boolean): Promise<RegisteredApp>;
  /**
   * Administrators only (the caller checks): withdraws an approved restricted scope. The app can
   * no longer obtain it, the grants users gave it lose it (a refresh yields tokens without it),
   * and its tokens carrying it stop at every resource server sharing the store.
   */
  withdrawRestrictedScope(clientId: string, scope: string): Promise<RegisteredApp>;
}

export interface RegistryDeps {
  records: RecordStore;
  /** The store's adapter for oidc-provider's `Client` model (where it finds registered clients). */
  clients: Adapter;
  catalog: ScopeCatalog;
  authorizations: Authorizations;
  /** Restricted scope names of the catalog. */
  restrictedScopes: ReadonlySet<string>;
  /** Ids of clients registered in code, which registered apps must never shadow. */
  staticClientIds: ReadonlySet<string>;
  /** Tells every process that an app's availability changed (its cached answers are dropped). */
  feed: RevocationFeed;
  /** Longest access-token lifetime (s): how long a deleted app's tombstone must refuse its tokens. */
  accessTokenTtlSeconds: number;
  /** Hashes a new client secret for storage (registry/secrets.ts). */
  hashSecret: (secret: string) => string;
}

function text(value: unknown, field: string, label: string, max: number, required: boolean): string {
  if (value !== undefined && typeof value !== 'string') {
    throw new RegistryError('invalid_client_metadata', `${label} must be text.`, {
      [field]: 'Must be text.',
    });
  }
  const trimmed = (value ?? '').trim();
  if (required && trimmed === '') {
    throw new RegistryError('invalid_client_metadata', `${label} is required.`, {
      [field]: `Enter the ${label.toLowerCase()}.`,
    });
  }
  if (trimmed.length > max) {
    const message = `${label} must be at most ${max} characters.`;
    throw new RegistryError('invalid_client_metadata', message, { [field]: message });
  }
  return trimmed;
}

function webUrl(value: unknown, field: string, label: string, required: boolean): string {
  const uri = text(value, field, label, 2000, required);
  if (uri === '') return uri;
  const url = URL.parse(uri);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    const message = `${label} must be an http(s) URL.`;
    throw new RegistryError('invalid_client_metadata', message, { [field]: message });
  }
  return uri;
}

const homepage = (value: unknown) => webUrl(value, 'homepage_url', 'Homepage URL', true);
const privacyPolicy = (value: unknown) => webUrl(value, 'privacy_policy_url', 'Privacy policy URL', false);
const terms = (value: unknown) => webUrl(value, 'terms_url', 'Terms of service URL', false);

/**
 * Runs every field's check and reports all failures at once (a form shows each field's error,
 * not the first one only). Returns the checked values when all passed.
 */
function checkAll<T extends Record<string, () => unknown>>(checks: T): { [K in keyof T]: ReturnType<T[K]> } {
  const values: Record<string, unknown> = {};
  const failures: RegistryError[] = [];
  for (const [key, check] of Object.entries(checks)) {
    try {
      values[key] = check();
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      failures.push(error);
    }
  }
  if (failures.length === 1) throw failures[0]!;
  if (failures.length > 1) {
    const fields = Object.assign({}, ...failures.map((f) => f.fields)) as Record<string, string>;
    throw new RegistryError(failures[0]!.code, failures.map((f) => f.description).join(' '), fields);
  }
  return values as { [K in keyof T]: ReturnType<T[K]> };
}

export function createAppRegistry(deps: RegistryDeps): AppRegistry {
  const { records, clients, catalog, authorizations, restrictedScopes, staticClientIds, feed, hashSecret } =
    deps;
  // A token issued just before the deletion, checked by a server whose clock runs behind.
  const tombstoneSeconds = deps.accessTokenTtlSeconds + 60;
  const announce = (clientId: string) => feed.publish({ kind: 'client', id: clientId });

  function metadataOf(app: RegisteredApp): ClientMetadata {
    const asClient: StaticClient = {
      clientId: app.clientId,
      type: app.type,
      name: app.name,
      redirectUris: app.redirectUris,
      testMode: app.testMode,
      approvedRestrictedScopes: app.approvedRestrictedScopes,
      ...(app.scopes ? { scopes: app.scopes } : {}),
      // oidc-provider requires a client_secret for client_secret_basic; it is never compared
      // (the hashes below are) and never shown, so a random filler serves.
      ...(app.type === 'confidential' ? { clientSecret: randomBytes(32).toString('base64url') } : {}),
    };
    // A scope the host removed from its catalog since registration must not break the client.
    const known = (names: string[] | undefined) => names?.filter((n) => catalog.names.has(n));
    const metadata = toClientMetadata(
      {
        ...asClient,
        scopes: known(asClient.scopes),
        approvedRestrictedScopes: known(app.approvedRestrictedScopes),
      },
      catalog,
    );
    return {
      ...metadata,
      client_uri: app.homepageUrl,
      ...(app.privacyPolicyUrl ? { policy_uri: app.privacyPolicyUrl } : {}),
      ...(app.termsUrl ? { tos_uri: app.termsUrl } : {}),
      ...(app.type === 'confidential' ? { [CLIENT_SECRETS]: app.secrets } : {}),
    };
  }

  async function save(app: RegisteredApp): Promise<RegisteredApp> {
    const now = Math.floor(Date.now() / 1000);
    // Overlapping secrets that expired are dropped for good.
    app.secrets = app.secrets.filter((s) => s.exp === undefined || s.exp > now);
    // A withdrawal need not be remembered once every token issued before it has expired.
    if (app.scopesWithdrawnAt) {
      for (const [scope, at] of Object.entries(app.scopesWithdrawnAt)) {
        if (at + tombstoneSeconds < now) delete app.scopesWithdrawnAt[scope];
      }
      if (Object.keys(app.scopesWithdrawnAt).length === 0) delete app.scopesWithdrawnAt;
    }
    app.updatedAt = new Date().toISOString();
    const indexes = [
      byOwner(app.owner),
      ...(app.requestedRestrictedScopes.length ? [PENDING] : []),
      ...(app.approvedRestrictedScopes.length ? [APPROVED] : []),
    ];
    await records.set(APPS, app.clientId, app, { indexes });
    if (app.enabled) await clients.upsert(app.clientId, metadataOf(app), 0);
    else await clients.destroy(app.clientId);
    await announce(app.clientId);
    return app;
  }

  async function get(clientId: string): Promise<RegisteredApp | undefined> {
    if (typeof clientId !== 'string' || clientId.length > 100) return undefined;
    return records.get<RegisteredApp>(APPS, clientId);
  }

  async function getOwned(owner: string, clientId: string): Promise<RegisteredApp> {
    const app = await get(clientId);
    if (!app || app.owner !== owner) throw new RegistryError('not_found', 'No such app.');
    return app;
  }

  /** Apps filed under a registry index, oldest change first. */
  async function indexed(index: string): Promise<RegisteredApp[]> {
    const ids = await records.findIds(APPS, index);
    const apps = (await Promise.all(ids.map(get))).filter((a): a is RegisteredApp => a !== undefined);
    return apps.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  }

  function allowedScopes(value: readonly unknown[] | undefined): string[] | undefined {
    if (value === undefined) return undefined;
    const scopes = [...new Set(value)];
    for (const scope of scopes) {
      if (typeof scope !== 'string' || !catalog.names.has(scope) || restrictedScopes.has(scope)) {
        const message = `"${String(scope).slice(0, 50)}" is not a scope apps can be allowed (restricted scopes are requested separately).`;
        throw new RegistryError('invalid_scope', message, { scopes: message });
      }
    }
    return scopes as string[];
  }

  return {
    get,
    getOwned,

    async create(owner, input) {
      const { name, homepageUrl, description, privacyPolicyUrl, termsUrl, redirectUris } = checkAll({
        name: () => text(input.name, 'name', 'Application name', MAX_NAME, true),
        homepageUrl: () => homepage(input.homepageUrl),
        description: () => text(input.description, 'description', 'Description', MAX_DESCRIPTION, false),
        privacyPolicyUrl: () => privacyPolicy(input.privacyPolicyUrl),
        termsUrl: () => terms(input.termsUrl),
        redirectUris: () => parseRedirectUris(input.redirectUris),
      });
      const type = input.type ?? 'confidential';
      if (type !== 'confidential' && type !== 'public') {
        const message = 'Client type must be confidential or public.';
        throw new RegistryError('invalid_client_metadata', message, { client_type: message });
      }
      const scopes = allowedScopes(input.scopes);
      if ((await records.findIds(APPS, byOwner(owner))).length >= MAX_APPS_PER_OWNER) {
        throw new RegistryError('limit_exceeded', `You can register at most ${MAX_APPS_PER_OWNER} apps.`);
      }

      const testMode = input.testMode === true;
      let clientId: string;
      do {
        clientId = `${testMode ? TEST_PREFIX : 'app_'}${randomBytes(15).toString('base64url')}`;
      } while (staticClientIds.has(clientId) || (await get(clientId)));

      const clientSecret = type === 'confidential' ? generateClientSecret(testMode) : undefined;
      const now = new Date().toISOString();
      const app: RegisteredApp = {
        clientId,
        name,
        homepageUrl,
        description,
        ...(privacyPolicyUrl ? { privacyPolicyUrl } : {}),
        ...(termsUrl ? { termsUrl } : {}),
        redirectUris,
        owner,
        type,
        ...(scopes ? { scopes } : {}),
        requestedRestrictedScopes: [],
        approvedRestrictedScopes: [],
        testMode,
        enabled: true,
        secrets: clientSecret ? [{ hash: hashSecret(clientSecret) }] : [],
        createdAt: now,
        updatedAt: now,
      };
      return { app: await save(app), ...(clientSecret ? { clientSecret } : {}) };
    },

    async listByOwner(owner) {
      const ids = await records.findIds(APPS, byOwner(owner));
      const apps = (await Promise.all(ids.map(get))).filter((a): a is RegisteredApp => a?.owner === owner);
      return apps.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },

    async update(owner, clientId, input) {
      const app = await getOwned(owner, clientId);
      if ('type' in input && input.type !== undefined && input.type !== app.type) {
        throw new RegistryError(
          'invalid_client_metadata',
          'The client type cannot be changed; register a new app.',
        );
      }
      if ('testMode' in input && input.testMode !== undefined && input.testMode !== app.testMode) {
        // Test and production credentials never mix: a test app stays a test app.
        throw new RegistryError(
          'invalid_client_metadata',
          'Test mode cannot be changed; register a new app.',
        );
      }
      const checked = checkAll({
        name: () =>
          input.name === undefined ? app.name : text(input.name, 'name', 'Application name', MAX_NAME, true),
        homepageUrl: () => (input.homepageUrl === undefined ? app.homepageUrl : homepage(input.homepageUrl)),
        description: () =>
          input.description === undefined
            ? app.description
            : text(input.description, 'description', 'Description', MAX_DESCRIPTION, false),
        privacyPolicyUrl: () =>
          input.privacyPolicyUrl === undefined ? app.privacyPolicyUrl : privacyPolicy(input.privacyPolicyUrl),
        termsUrl: () => (input.termsUrl === undefined ? app.termsUrl : terms(input.termsUrl)),
        redirectUris: () =>
          input.redirectUris === undefined ? app.redirectUris : parseRedirectUris(input.redirectUris),
      });
      app.name = checked.name;
      app.homepageUrl = checked.homepageUrl;
      app.description = checked.description;
      app.redirectUris = checked.redirectUris;
      if (checked.privacyPolicyUrl) app.privacyPolicyUrl = checked.privacyPolicyUrl;
      else delete app.privacyPolicyUrl;
      if (checked.termsUrl) app.termsUrl = checked.termsUrl;
      else delete app.termsUrl;
      if (input.scopes !== undefined) app.scopes = allowedScopes(input.scopes);
      return save(app);
    },

    async rotateSecret(owner, clientId, overlapSeconds = 0) {
      const app = await getOwned(owner, clientId);
      if (app.type !== 'confidential') {
        throw new RegistryError('invalid_request', 'Public apps have no client secret.');
      }
      if (
        !Number.isInteger(overlapSeconds) ||
        overlapSeconds < 0 ||
        overlapSeconds > MAX_SECRET_OVERLAP_SECONDS
      ) {
        throw new RegistryError(
          'invalid_request',
          `The overlap must be between 0 and ${MAX_SECRET_OVERLAP_SECONDS} seconds.`,
        );
      }
      const clientSecret = generateClientSecret(app.testMode);
      const current = app.secrets.find((s) => s.exp === undefined);
      app.secrets = [
        { hash: hashSecret(clientSecret) },
        // At most one previous secret keeps working, and only for the overlap asked for.
        ...(current && overlapSeconds > 0
          ? [{ hash: current.hash, exp: Math.floor(Date.now() / 1000) + overlapSeconds }]
          : []),
      ];
      return { app: await save(app), clientSecret };
    },

    async setEnabled(owner, clientId, enabled) {
      const app = await getOwned(owner, clientId);
      app.enabled = enabled;
      return save(app);
    },

    async delete(owner, clientId) {
      const app = await getOwned(owner, clientId);
      // The tombstone first: resource servers apart from this one learn of the deletion from it.
      await records.set(
        DELETED_APPS,
        app.clientId,
        { deletedAt: new Date().toISOString() },
        {
          ttlSeconds: tombstoneSeconds,
        },
      );
      await clients.destroy(app.clientId);
      await announce(app.clientId);
      await authorizations.revokeForClient(app.clientId);
      await records.delete(APPS, app.clientId);
    },

    async requestScope(owner, clientId, scope) {
      const app = await getOwned(owner, clientId);
      if (typeof scope !== 'string' || !restrictedScopes.has(scope)) {
        throw new RegistryError('invalid_scope', 'Only restricted scopes need to be requested.', {
          scope: 'Choose a restricted scope.',
        });
      }
      if (!app.approvedRestrictedScopes.includes(scope) && !app.requestedRestrictedScopes.includes(scope)) {
        app.requestedRestrictedScopes.push(scope);
      }
      return save(app);
    },

    async listScopeRequests() {
      const apps = await indexed(PENDING);
      return apps.flatMap((app) => app.requestedRestrictedScopes.map((scope) => ({ app, scope })));
    },

    async listApprovedScopes() {
      const apps = await indexed(APPROVED);
      return apps.flatMap((app) => app.approvedRestrictedScopes.map((scope) => ({ app, scope })));
    },

    async decideScopeRequest(clientId, scope, approve) {
      const app = await get(clientId);
      if (!app || !app.requestedRestrictedScopes.includes(scope)) {
        throw new RegistryError('not_found', 'No such pending request.');
      }
      app.requestedRestrictedScopes = app.requestedRestrictedScopes.filter((s) => s !== scope);
      if (approve && !app.approvedRestrictedScopes.includes(scope)) app.approvedRestrictedScopes.push(scope);
      return save(app);
    },

    async withdrawRestrictedScope(clientId, scope) {
      const app = await get(clientId);
      if (!app || typeof scope !== 'string' || !app.approvedRestrictedScopes.includes(scope)) {
        throw new RegistryError('not_found', 'This app has no such approved scope.');
      }
      app.approvedRestrictedScopes = app.approvedRestrictedScopes.filter((s) => s !== scope);
      app.scopesWithdrawnAt = { ...app.scopesWithdrawnAt, [scope]: Math.floor(Date.now() / 1000) };
      // The record and the client metadata first (no new token gets the scope), announced on the
      // feed (resource servers re-read the record); then the grants lose it (refreshes).
      const saved = await save(app);
      await authorizations.withdrawScope(clientId, scope);
      return saved;
    },
  };
}
