/**
 * Administrators' view of self-registered clients (dynamic registration, metadata documents):
 * each is recorded when it first appears, and blocking one stops it everywhere at once — the
 * authorization and token endpoints no longer find it, resource servers refuse its tokens
 * (the same tombstone a deleted app leaves, announced on the store's feed), and its users'
 * grants are revoked. A blocked metadata-document URL stays blocked.
 */
import type { Adapter, RecordStore, RevocationFeed } from '../../adapters/contract.js';
import { DELETED_APPS } from '../registry/app-status.js';

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
  firstSeenAt: string;
  blocked: boolean;
}

export interface SelfRegisteredClients {
  list(): Promise<SelfRegisteredClient[]>;
  /** Stops the client at once, everywhere, and revokes its grants. */
  block(clientId: string): Promise<void>;
  /** @internal recorded by the kit when such a client appears */
  note(
    clientId: string,
    name: string,
    kind: SelfRegisteredClient['kind'],
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
  return {
    async note(clientId, name, kind, lifetimeSeconds) {
      if (await records.get(COLLECTION, clientId)) return;
      await records.set<Omit<SelfRegisteredClient, 'blocked'>>(
        COLLECTION,
        clientId,
        { clientId, name, kind, firstSeenAt: new Date().toISOString() },
        { ttlSeconds: lifetimeSeconds, indexes: [INDEX] },
      );
    },
    async list() {
      const ids = await records.findIds(COLLECTION, INDEX);
      const found = await Promise.all(
        ids.map(async (id) => {
          const [entry, blocked] = await Promise.all([
            records.get<Omit<SelfRegisteredClient, 'blocked'>>(COLLECTION, id),
            records.get(BLOCKED, id),
          ]);
          return entry ? { ...entry, blocked: blocked !== undefined } : undefined;
        }),
      );
      return found.filter((c): c is SelfRegisteredClient => c !== undefined);
    },
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
