/**
 * The adapter oidc-provider's `Client` model uses, around the store's: a self-registered client
 * (dynamic registration) is stored with an expiry, so a registration no user ever approved
 * disappears on its own (the kit extends it on consent); a client id that is a metadata
 * document's URL is answered from the document (metadata-document.ts). Other models pass through.
 */
import type { Adapter, AdapterConstructor, AdapterPayload } from '../../adapters/contract.js';
import type { ResolvedRegistration } from '../config/options.js';
import type { MetadataDocumentResolver } from './metadata-document.js';
import { REGISTERED_ID_PREFIX, SELF_REGISTERED } from './registration.js';

export function clientAdapter(
  Base: AdapterConstructor,
  registration: Pick<ResolvedRegistration, 'unusedTtlSeconds'>,
  documents?: MetadataDocumentResolver,
  isBlocked?: (clientId: string) => Promise<boolean>,
): AdapterConstructor {
  return class ClientAdapter implements Adapter {
    private readonly inner: Adapter;
    private readonly clients: boolean;

    constructor(model: string) {
      this.inner = new Base(model);
      this.clients = model === 'Client';
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const unused = this.clients && payload[SELF_REGISTERED] === true && !expiresIn;
      await this.inner.upsert(id, payload, unused ? registration.unusedTtlSeconds : expiresIn);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (!this.clients) return this.inner.find(id);
      const byDocument = documents?.accepts(id) === true;
      // Only self-registered ids can be blocked: other lookups cost no extra store read.
      if ((byDocument || id.startsWith(REGISTERED_ID_PREFIX)) && (await isBlocked?.(id))) return undefined;
      return byDocument ? documents.resolve(id) : this.inner.find(id);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.inner.findByUid(uid);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.inner.findByUserCode(userCode);
    }

    consume(id: string): Promise<void> {
      return this.inner.consume(id);
    }

    destroy(id: string): Promise<void> {
      return this.inner.destroy(id);
    }

    revokeByGrantId(grantId: string): Promise<void> {
      return this.inner.revokeByGrantId(grantId);
    }
  };
}
