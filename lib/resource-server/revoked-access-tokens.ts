/**
 * Revoked JWT access tokens. JWTs are not stored, so revoking one (RFC 7009) leaves a record
 * under its `jti` that lives exactly until the token would have expired anyway (bounded state),
 * and announces `{ kind: 'token', id: jti }` on the store's feed: every process's token status
 * (resource-server/grant-status.ts, subject 'token') refuses it at once; a process that missed
 * the message finds the record.
 *
 * DPoP proofs are single-use through the same store (`setIfAbsent`).
 */
import type { OAuthStore, RecordStore } from '../../adapters/contract.js';
import { createGrantStatus, type GrantStatus } from './grant-status.js';
import type { ProofReplayCheck } from './dpop.js';

const REVOKED = 'revoked-access-tokens';
const DPOP_PROOFS = 'dpop-proofs';

/** Records the revocation until `exp` (epoch s) plus the verifiers' clock tolerance, then tells every process. */
export async function revokeAccessToken(
  store: OAuthStore,
  token: { jti: string; exp: number },
  clockToleranceSeconds: number,
): Promise<void> {
  const ttlSeconds = token.exp - Math.floor(Date.now() / 1000) + clockToleranceSeconds;
  if (ttlSeconds <= 0) return;
  await store.records.set(REVOKED, token.jti, { exp: token.exp }, { ttlSeconds });
  await store.revocations.publish({ kind: 'token', id: token.jti });
}

/** Which access tokens were revoked: memory first (fed by the store's feed), else the store. */
export function createAccessTokenStatus(
  store: OAuthStore,
  settings: { maxTokenLifetimeSeconds: number; whenFeedDown: 'check-store' | 'fail-closed' },
): GrantStatus {
  return createGrantStatus({
    subject: 'token',
    feed: store.revocations,
    isGrantActive: async (jti) => (await store.records.get(REVOKED, jti)) === undefined,
    ...settings,
  });
}

/** DPoP proofs used once across every process sharing the store. */
export function storeReplayCheck(records: RecordStore): ProofReplayCheck {
  return (key, ttlSeconds) => records.setIfAbsent(DPOP_PROOFS, key, 1, { ttlSeconds });
}
