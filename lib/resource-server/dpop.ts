/**
 * DPoP (RFC 9449 §4.3, §7.1) at a resource server, framework-free: checks the proof a client
 * sends with a key-bound access token. The proof is a JWT signed by the client's key (jose
 * verifies it against the key in its own header); it must be for this request (`htm`, `htu`),
 * fresh (`iat` within the window), for this token (`ath`), signed by the key the token is bound
 * to (`cnf.jkt`), and used once (`jti`, remembered for the window; through the store when
 * there is one, so every process sharing it refuses a replay).
 */
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { boundedCache, type Clock } from '../cache/bounded-cache.js';
import { InvalidDpopProofError, TokenStoreUnavailableError } from '../errors/bearer-errors.js';

/** The proof algorithms accepted, and advertised (the authorization server's metadata, `algs`). */
export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'Ed25519', 'EdDSA', 'PS256', 'RS256'] as const;

/** What the request carried, for the proof to be checked against. */
export interface DpopPresentation {
  /** The `DPoP` header, as received. */
  proof: string | string[] | undefined;
  /** The request's method. */
  method: string;
  /** The request's URL as the client addressed it (query and fragment are ignored). */
  url: string;
}

/**
 * Records a proof as used; resolves false when it was used before. Rejects when that cannot
 * be known (the request then fails closed).
 */
export type ProofReplayCheck = (key: string, ttlSeconds: number) => Promise<boolean>;

export interface DpopVerifierOptions {
  /** How old a proof may be (s). */
  proofMaxAgeSeconds: number;
  /** Clock skew tolerated on a proof's `iat` (s). */
  clockToleranceSeconds: number;
  replay: ProofReplayCheck;
  now?: () => number;
}

export interface DpopVerifier {
  readonly algorithms: readonly string[];
  /** Resolves when the proof is valid for `accessToken` bound to `jkt`; throws InvalidDpopProofError. */
  verify(presentation: DpopPresentation, accessToken: string, jkt: string): Promise<void>;
}

const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** `htu` compared without query and fragment (RFC 9449 §4.3), after URL normalisation. */
function sameTarget(htu: unknown, url: string): boolean {
  if (typeof htu !== 'string') return false;
  const claimed = URL.parse(htu);
  const actual = URL.parse(url);
  if (!claimed || !actual) return false;
  for (const u of [claimed, actual]) {
    u.search = '';
    u.hash = '';
  }
  return claimed.href === actual.href;
}

export function createDpopVerifier(options: DpopVerifierOptions): DpopVerifier {
  const { proofMaxAgeSeconds: maxAge, clockToleranceSeconds: tolerance } = options;
  const now = options.now ?? Date.now;
  const algorithms: string[] = [...DPOP_ALGORITHMS];

  return {
    algorithms,
    async verify({ proof, method, url }, accessToken, jkt) {
      if (proof === undefined) throw new InvalidDpopProofError('A DPoP proof is required with this token.');
      // Node joins repeated headers with ", ": exactly one proof is allowed.
      if (Array.isArray(proof) || proof.includes(',')) {
        throw new InvalidDpopProofError('Exactly one DPoP proof is allowed.');
      }
      if (proof.length > MAX_PROOF_LENGTH) throw new InvalidDpopProofError('The DPoP proof is too large.');

      let payload: JWTPayload;
      let jwk: JWK | undefined;
      try {
        ({
          payload,
          protectedHeader: { jwk },
        } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms }));
      } catch {
        throw new InvalidDpopProofError('The DPoP proof is malformed or its signature is invalid.');
      }
      const { jti, htm, htu, iat, ath } = payload;
      if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
        throw new InvalidDpopProofError('The DPoP proof needs a jti.');
      }
      if (htm !== method) throw new InvalidDpopProofError('The DPoP proof is for another method (htm).');
      if (!sameTarget(htu, url)) throw new InvalidDpopProofError('The DPoP proof is for another URL (htu).');
      const nowSeconds = Math.floor(now() / 1000);
      if (typeof iat !== 'number' || iat > nowSeconds + tolerance || iat < nowSeconds - maxAge - tolerance) {
        throw new InvalidDpopProofError('The DPoP proof is not recent (iat).');
      }
      if (ath !== sha256(accessToken)) {
        throw new InvalidDpopProofError('The DPoP proof is for another access token (ath).');
      }
      if ((await calculateJwkThumbprint(jwk!, 'sha256')) !== jkt) {
        throw new InvalidDpopProofError(
          'The DPoP proof is not signed by the key the access token is bound to.',
        );
      }
      // Last, so an invalid proof changes no state. Keyed by the key and jti: a client cannot
      // spend another client's jti.
      let first: boolean;
      try {
        first = await options.replay(sha256(`${jkt}.${jti}`), maxAge + 2 * tolerance);
      } catch {
        throw new TokenStoreUnavailableError();
      }
      if (!first) throw new InvalidDpopProofError('The DPoP proof was already used (jti).');
    },
  };
}

/** A replay check in this process's memory, at most `maxEntries` proofs (oldest forgotten first). */
export function memoryReplayCheck(maxEntries = 100_000, now: Clock = Date.now): ProofReplayCheck {
  const seen = boundedCache<true>({ maxEntries, now });
  function remember(key: string, ttlSeconds: number): boolean {
    if (seen.get(key)) return false;
    seen.set(key, true, ttlSeconds * 1000);
    return true;
  }
  return (key, ttlSeconds) => Promise.resolve(remember(key, ttlSeconds));
}
