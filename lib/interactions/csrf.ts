/**
 * CSRF tokens for the kit's forms: an HMAC of the form's binding (the interaction uid, or the
 * host session id) under the cookie keys. A cross-site page cannot compute it, and the
 * interaction cookie is SameSite=Lax besides.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Csrf {
  token(binding: string): string;
  verify(binding: string, candidate: unknown): boolean;
}

export function createCsrf(keys: string[]): Csrf {
  const sign = (key: string, binding: string) =>
    createHmac('sha256', key).update(`oauth-kit csrf\0${binding}`).digest();
  return {
    token: (binding) => sign(keys[0]!, binding).toString('base64url'),
    verify(binding, candidate) {
      if (typeof candidate !== 'string' || candidate.length > 100) return false;
      const given = Buffer.from(candidate, 'base64url');
      return keys.some((key) => {
        const expected = sign(key, binding);
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
    },
  };
}
