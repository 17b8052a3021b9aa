/**
 * How the Redis store keeps ids out of Redis: keys are named by an HMAC of the id, values are
 * AES-256-GCM encrypted under a key derived from the id they are stored under. So a copy of the
 * data cannot be replayed, and decrypting a value needs the id it was stored under.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export interface Sealing {
  /** HMAC-SHA256 of `label` and `parts` under the store's secret, base64url. */
  hash(label: string, ...parts: string[]): string;
  /** `plaintext` encrypted under a key derived from `keyParts` (fresh IV each time). */
  seal(keyParts: string[], plaintext: string): string;
  /** Undefined when the value was not sealed under these parts (tampered, wrong secret). */
  open(keyParts: string[], stored: string): string | undefined;
}

export function createSealing(secret: string | Buffer): Sealing {
  const digest = (label: string, ...parts: string[]): Buffer =>
    createHmac('sha256', secret)
      .update(`${label}\0${parts.join('\0')}`)
      .digest();

  return {
    hash: (label, ...parts) => digest(label, ...parts).toString('base64url'),

    seal(keyParts, plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', digest('enc', ...keyParts), iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },

    open(keyParts, stored) {
      try {
        const raw = Buffer.from(stored, 'base64');
        const decipher = createDecipheriv('aes-256-gcm', digest('enc', ...keyParts), raw.subarray(0, 12));
        decipher.setAuthTag(raw.subarray(12, 28));
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
