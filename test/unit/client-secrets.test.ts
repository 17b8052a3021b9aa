/** Client secrets: generated with the right prefix, stored as scrypt hashes, verified. */
import { generateClientSecret, hashClientSecret, verifyClientSecret } from '../../lib/registry/secrets.js';

describe('client secrets', () => {
  test('test-mode secrets carry the test_ prefix, live ones do not', () => {
    expect(generateClientSecret(true)).toMatch(/^test_secret_[A-Za-z0-9_-]{43}$/);
    expect(generateClientSecret(false)).toMatch(/^secret_[A-Za-z0-9_-]{43}$/);
    expect(generateClientSecret(false)).not.toBe(generateClientSecret(false));
  });

  test('the hash is salted scrypt and does not contain the secret', async () => {
    const secret = generateClientSecret(false);
    const [a, b] = await Promise.all([hashClientSecret(secret), hashClientSecret(secret)]);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret.slice(7));
  });

  test('verification accepts the secret and refuses anything else', async () => {
    const secret = generateClientSecret(true);
    const hash = await hashClientSecret(secret);
    expect(await verifyClientSecret(secret, hash)).toBe(true);
    expect(await verifyClientSecret(`${secret}x`, hash)).toBe(false);
    expect(await verifyClientSecret('', hash)).toBe(false);
    expect(await verifyClientSecret(secret, 'plain:not-a-hash')).toBe(false);
  });
});
