/**
 * Administrators' view of self-registered clients (dynamic registration, metadata documents):
 * each is recorded when it first appears, and blocking one stops it everywhere at once — the
 * authorization and token endpoints no longer find it, resource servers refuse its tokens
 * (the same tombstone a deleted app leaves, announced on the store's feed), and its users'
 * grants are revoked. A blocked metadata-document URL stays blocked.
 */
import type { Adapter, RecordStore, RevocationFeed } from '../../adapters/contract.js';
import { DELETED_APPS } from './app-status.js';

const COLLECTION = 'self-registered-clients';
const BLOCKED = 'blocked-clients';
const INDEX = 'all';

/** True when an administrator blocked this client id (the Client adapter then finds nothing). */
export async function isBlockedClient(records: RecordStore, clientId: string): Promise<boolean> {
  return (await records.get(BLOCKED, clientId)) !== undefined;
}

export interface SelfRegisteredClient {
  clientId: string;
  name: string;
  /** How it registered: RFC 7591 registration, or a client metadata document (the id is its URL). */
  kind: 'registration' | 'metadata-document';
  /** When it registered (RFC 7591) or a user first approved it (metadata document). */
  firstSeenAt: string;
  /** Hosts of its redirect URIs (`host[:port]`), each once. */
  redirectHosts: string[];
  blocked: boolean;
}

type Recorded = Omit<SelfRegisteredClient, 'blocked'>;

/** Host (with port) of each redirect URI, each once; URLs that do not parse are left out. */
function hostsOf(redirectUris: readonly string[]): string[] {
  const hosts = new Set<string>();
  for (const uri of redirectUris) {
    if (URL.canParse(uri)) hosts.add(new URL(uri).host);
  }
  return [...hosts];
}

export interface SelfRegisteredClients {
  list: () => Promise<SelfRegisteredClient[]>;
  /** One self-registered client, or undefined when the kit never recorded this id. */
  get: (clientId: string) => Promise<SelfRegisteredClient | undefined>;
  /** Stops the client at once, everywhere, and revokes its grants. */
  block: (clientId: string) => Promise<void>;
  /** @internal recorded by the kit when such a client appears */
  note(
    client: {
      clientId: string;
      name: string;
      kind: SelfRegisteredClient['kind'];
      redirectUris: readonly string[];
    },
    lifetimeSeconds: number,
  ): Promise<void>;
}

export function createSelfRegisteredClients(deps: {
  records: RecordStore;
  feed: RevocationFeed;
  clients: Adapter;
  revokeForClient(clientId: string): Promise<void>;
  /** How long refused tokens must stay refused: the longest access-token lifetime. */
  tombstoneSeconds: number;
}): SelfRegisteredClients {
  const { records, feed, clients } = deps;
  async function get(clientId: string): Promise<SelfRegisteredClient | undefined> {
    const [entry, blocked] = await Promise.all([
      records.get<Recorded>(COLLECTION, clientId),
      records.get(BLOCKED, clientId),
    ]);
    return entry
      ? { ...entry, redirectHosts: entry.redirectHosts ?? [], blocked: blocked !== undefined }
      : undefined;
  }
  return {
    async note({ clientId, name, kind, redirectUris }, lifetimeSeconds) {
      if (await records.get(COLLECTION, clientId)) return;
      await records.set<Recorded>(
        COLLECTION,
        clientId,
        { clientId, name, kind, firstSeenAt: new Date().toISOString(), redirectHosts: hostsOf(redirectUris) },
        { ttlSeconds: lifetimeSeconds, indexes: [INDEX] },
      );
    },
    async list() {
      const found = await Promise.all((await records.findIds(COLLECTION, INDEX)).map(get));
      return found.filter((c): c is SelfRegisteredClient => c !== undefined);
    },
    get,
    async block(clientId) {
      const at = new Date().toISOString();
      await records.set(BLOCKED, clientId, { blockedAt: at });
      await records.set(DELETED_APPS, clientId, { deletedAt: at }, { ttlSeconds: deps.tombstoneSeconds });
      await clients.destroy(clientId);
      await feed.publish({ kind: 'client', id: clientId });
      await deps.revokeForClient(clientId);
    },
  };
}
