/**
 * Issuance and verification cost per signing algorithm, one thread: raw node:crypto
 * signatures, and jose's JWT sign/verify (what oidc-provider and requireScope actually call).
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { SignJWT, importJWK, jwtVerify, type JWK } from 'jose';

export type Algorithm = 'RS256' | 'ES256' | 'EdDSA';
export const ALGORITHMS: Algorithm[] = ['RS256', 'ES256', 'EdDSA'];

export interface AlgorithmResult {
  alg: Algorithm;
  cryptoSignPerSecond: number;
  cryptoVerifyPerSecond: number;
  joseSignPerSecond: number;
  joseVerifyPerSecond: number;
  tokenBytes: number;
}

function keys(alg: Algorithm): { privateKey: KeyObject; publicKey: KeyObject } {
  if (alg === 'RS256') return generateKeyPairSync('rsa', { modulusLength: 2048 });
  if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return generateKeyPairSync('ed25519');
}

/** Runs `op` repeatedly for about `ms` and returns operations per second. */
async function rate(ms: number, op: () => unknown): Promise<number> {
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < ms) {
    for (let i = 0; i < 20; i += 1) await op();
    n += 20;
  }
  return n / ((performance.now() - start) / 1000);
}

export async function measureAlgorithms(msPerOp = 700): Promise<AlgorithmResult[]> {
  const claims = {
    scope: 'tasks:read projects:read',
    client_id: 'test_abc123',
    gid: 'aVeryRandomGrantIdentifierOf43Characters12',
    jti: 'aVeryRandomTokenIdentifierOf43Characters12',
  };
  const out: AlgorithmResult[] = [];
  for (const alg of ALGORITHMS) {
    const { privateKey, publicKey } = keys(alg);
    // Fresh KeyObjects, as a server holding JWKs would have them.
    const priv = createPrivateKey({ key: privateKey.export({ format: 'jwk' }), format: 'jwk' });
    const pub = createPublicKey({ key: publicKey.export({ format: 'jwk' }), format: 'jwk' });
    // jose 6 works on WebCrypto keys; oidc-provider and requireScope import their JWKs once.
    const signKey = await importJWK(privateKey.export({ format: 'jwk' }) as JWK, alg);
    const verifyKey = await importJWK(publicKey.export({ format: 'jwk' }) as JWK, alg);
    const digest = alg === 'EdDSA' ? null : 'sha256';
    const ecdsa = alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {};
    const data = Buffer.alloc(400, 'a');
    const signature = sign(digest, data, { key: priv, ...ecdsa });

    const jwt = () =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, typ: 'at+jwt', kid: 'k1' })
        .setIssuer('http://127.0.0.1')
        .setAudience('http://127.0.0.1/api')
        .setSubject('user_123')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(signKey);
    const token = await jwt();
    out.push({
      alg,
      cryptoSignPerSecond: await rate(msPerOp, () => sign(digest, data, { key: priv, ...ecdsa })),
      cryptoVerifyPerSecond: await rate(msPerOp, () =>
        verify(digest, data, { key: pub, ...ecdsa }, signature),
      ),
      joseSignPerSecond: await rate(msPerOp, jwt),
      joseVerifyPerSecond: await rate(msPerOp, () =>
        jwtVerify(token, verifyKey, { issuer: 'http://127.0.0.1', audience: 'http://127.0.0.1/api' }),
      ),
      tokenBytes: token.length,
    });
  }
  return out;
}
