/**
 * Entries that belong to a grant (codes, tokens, saved refresh answers) live in their grant's
 * Cluster slot, `P<Model>:{g.h(grantId)}:…`, listed in the grant index
 * `Pgrant-index:{g.h(grantId)}`: a sorted set scored by expiry, so it holds only live entries.
 * Revoking a grant is then one script inside one slot.
 */
import type { RedisContext } from './context.js';
import { SCRIPTS } from './scripts.js';

/** The hash tag of a grant's slot. */
export const grantTag = ({ sealing }: RedisContext, grantId: string): string =>
  `g.${sealing.hash('grant', grantId)}`;

export const grantIndexKey = ({ prefix }: RedisContext, tag: string): string =>
  `${prefix}grant-index:{${tag}}`;

export const grantKey = ({ prefix }: RedisContext, tag: string): string => `${prefix}Grant:{${tag}}`;

/**
 * Files an entry in its grant's slot and index; `requireGrant`: only while the grant is stored
 * (resolves 0, storing nothing, once it was revoked).
 */
export function putInGrant(
  context: RedisContext,
  key: string,
  tag: string,
  sealed: string,
  ttl: number,
  requireGrant: boolean,
): Promise<unknown> {
  return context.run(
    SCRIPTS.putInGrant,
    [key, grantIndexKey(context, tag), grantKey(context, tag)],
    [sealed, ttl, requireGrant ? '1' : '0'],
  );
}
