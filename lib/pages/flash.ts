/**
 * One-time flash of new credentials (Post/Redirect/Get for "Register" and "Generate a new
 * client secret"). The POST that creates a secret stores it, encrypted, in the shared store and
 * answers 303 to the app's page with a random token in a short-lived cookie; the GET that
 * follows takes the flash and shows it. Taking is single-use across every process: the store's
 * atomic counter lets exactly one reader through, so a reload (or a replayed cookie) shows no
 * secret and repeats nothing.
 *
 * The store never holds the secret in the clear, nor anything that decrypts it: the record is
 * filed under a hash of the token and sealed (JWE `dir` + A256GCM, via jose) under the token
 * itself, which only the developer's browser has.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { CompactEncrypt, compactDecrypt } from 'jose';
import type { CounterStore, RecordStore } from '../../adapters/contract.js';

const COOKIE = 'oauth_kit_flash';
const COLLECTION = 'flash';
/** Long enough for a slow redirect; short enough that an abandoned flash is soon gone. */
const TTL_SECONDS = 10 * 60;

export interface Credentials {
  clientId: string;
  clientSecret?: string;
  /** "New client secret" rather than "Your app is registered". */
  rotated?: boolean;
}

interface Stored {
  owner: string;
  clientId: string;
  sealed: string;
}

export interface SecretFlash {
  /** Keeps `credentials` for the next page `owner` opens in this browser (sets the cookie). */
  put(res: Response, owner: string, credentials: Credentials): Promise<void>;
  /** The credentials kept for `owner`'s app `clientId`, once; `undefined` ever after. */
  take(req: Request, res: Response, owner: string, clientId: string): Promise<Credentials | undefined>;
}

function tokenFrom(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === COOKIE) {
      const value = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function createSecretFlash(deps: {
  records: RecordStore;
  counters: CounterStore;
  /** Path the cookie is sent to (the developer pages). */
  path: string;
  secure: boolean;
}): SecretFlash {
  const { records, counters, path, secure } = deps;
  const idOf = (token: string) => createHash('sha256').update(token).digest('base64url');
  const cookie = { httpOnly: true, sameSite: 'lax' as const, secure, path };

  return {
    async put(res, owner, credentials) {
      const key = randomBytes(32);
      const token = key.toString('base64url');
      const sealed = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(credentials)))
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .encrypt(key);
      const stored: Stored = { owner, clientId: credentials.clientId, sealed };
      await records.set(COLLECTION, idOf(token), stored, { ttlSeconds: TTL_SECONDS });
      res.cookie(COOKIE, token, { ...cookie, maxAge: TTL_SECONDS * 1000 });
    },

    async take(req, res, owner, clientId) {
      const token = tokenFrom(req);
      if (!token) return undefined;
      const id = idOf(token);
      const stored = await records.get<Stored>(COLLECTION, id);
      // Another app's page: the flash waits for its own (the cookie is short-lived anyway).
      if (stored && (stored.owner !== owner || stored.clientId !== clientId)) return undefined;
      res.clearCookie(COOKIE, cookie);
      if (!stored) return undefined;
      // Exactly one reader gets 1, in every process sharing the store.
      if ((await counters.increment(COLLECTION, id, TTL_SECONDS)) !== 1) return undefined;
      await records.delete(COLLECTION, id);
      try {
        const { plaintext } = await compactDecrypt(stored.sealed, Buffer.from(token, 'base64url'));
        return JSON.parse(new TextDecoder().decode(plaintext)) as Credentials;
      } catch {
        return undefined;
      }
    },
  };
}
