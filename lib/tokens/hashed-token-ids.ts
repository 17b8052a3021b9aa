/**
 * Tokens at rest: oidc-provider keys opaque tokens and codes by their value (`jti` is the
 * token). This wraps any store's adapter so that, for those models, the store only ever sees
 * SHA-256 of the value, as key and as `jti`: someone who reads the store (a Redis dump, a
 * backup) finds no usable refresh token or code. Lookups hash the presented value the same way.
 * SHA-256 without salt is enough here: the values are 256-bit random, not guessable passwords.
 */
import { createHash } from 'node:crypto';
import type { Adapter, AdapterConstructor, AdapterPayload } from '../../adapters/contract.js';

/** Models whose id is a bearer credential. (Sessions and interactions are keyed by cookie
 *  values too, but oidc-provider also looks sessions up by uid, which needs the real id.) */
const TOKEN_MODELS = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'ClientCredentials']);

export function hashTokenId(id: string): string {
  return createHash('sha256').update(id).digest('base64url');
}

export function hashedTokenIds(Base: AdapterConstructor): AdapterConstructor {
  return class HashedTokenIdAdapter implements Adapter {
    private readonly inner: Adapter;
    private readonly hashed: boolean;

    constructor(model: string) {
      this.inner = new Base(model);
      this.hashed = TOKEN_MODELS.has(model);
    }

    private key(id: string): string {
      return this.hashed ? hashTokenId(id) : id;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const stored = this.hashed ? { ...payload, jti: hashTokenId(id) } : payload;
      await this.inner.upsert(this.key(id), stored, expiresIn);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const payload = await this.inner.find(this.key(id));
      // oidc-provider rebuilds the token from the payload: give it back the value it asked for.
      return payload && this.hashed ? { ...payload, jti: id } : payload;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return this.inner.findByUid(uid);
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return this.inner.findByUserCode(userCode);
    }

    async consume(id: string): Promise<void> {
      await this.inner.consume(this.key(id));
    }

    async destroy(id: string): Promise<void> {
      await this.inner.destroy(this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await this.inner.revokeByGrantId(grantId);
    }
  };
}
