/** Client secrets: generated with the right prefix, stored as keyed hashes, verified. */
import {
  createClientSecretHasher,
  generateClientSecret,
  legacyScryptHash,
} from '../../lib/registry/secrets.js';

const KEY = 'k'.repeat(32);

describe('client secrets', () => {
  test('test-mode secrets carry the test_ prefix, live ones do not', () => {
    expect(generateClientSecret(true)).toMatch(/^test_secret_[A-Za-z0-9_-]{43}$/);
    expect(generateClientSecret(false)).toMatch(/^secret_[A-Za-z0-9_-]{43}$/);
    expect(generateClientSecret(false)).not.toBe(generateClientSecret(false));
  });

  test('the hash is an HMAC under a server key and does not contain the secret', () => {
    const secret = generateClientSecret(false);
    const hash = createClientSecretHasher([KEY]).hash(secret);
    expect(hash).toMatch(/^hmac-sha256\$[A-Za-z0-9_-]{8}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain(secret.slice(7));
    // Another server key: another hash (a copied store is useless without the key).
    expect(createClientSecretHasher(['o'.repeat(32)]).hash(secret)).not.toBe(hash);
  });

  test('verification accepts the secret and refuses anything else', () => {
    const hasher = createClientSecretHasher([KEY]);
    const secret = generateClientSecret(true);
    const hash = hasher.hash(secret);
    expect(hasher.verify(secret, hash)).toBe(true);
    expect(hasher.verify(`${secret}x`, hash)).toBe(false);
    expect(hasher.verify('', hash)).toBe(false);
    expect(hasher.verify('x'.repeat(10_000), hash)).toBe(false);
    expect(hasher.verify(secret, 'plain:not-a-hash')).toBe(false);
    expect(hasher.verify(secret, hash.replace(/\$[^$]+\$/, '$unknown1$'))).toBe(false);
  });

  test('a retired cookie key still verifies the hashes made under it; new hashes use the first key', () => {
    const secret = generateClientSecret(false);
    const old = createClientSecretHasher([KEY]).hash(secret);
    const rotated = createClientSecretHasher(['n'.repeat(32), KEY]);
    expect(rotated.verify(secret, old)).toBe(true);
    expect(rotated.hash(secret)).not.toBe(old);
    expect(createClientSecretHasher(['n'.repeat(32)]).verify(secret, old)).toBe(false);
  });

  test('scrypt hashes written by earlier versions still verify', async () => {
    const hasher = createClientSecretHasher([KEY]);
    const secret = generateClientSecret(false);
    const legacy = await legacyScryptHash(secret);
    expect(legacy).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await hasher.verify(secret, legacy)).toBe(true);
    expect(await hasher.verify(`${secret}x`, legacy)).toBe(false);
  });
});
