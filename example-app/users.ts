/** The example product's users. A real product has its own user table; the kit only asks. */
import { timingSafeEqual } from 'node:crypto';
import type { Account } from '../lib/index.js';

interface User {
  id: string;
  email: string;
  name: string;
  /** Demo only: a real product stores a slow password hash (argon2, bcrypt, scrypt). */
  password: string;
  admin: boolean;
}

const USERS: User[] = [
  // Demo credentials, for local development and tests only.
  { id: 'user_123', email: 'demo@example.com', name: 'Demo User', password: 'demo-password', admin: true },
  { id: 'user_456', email: 'sam@example.com', name: 'Sam Second', password: 'sam-password', admin: false },
];

function toAccount(user: User): Account {
  return { id: user.id, claims: { email: user.email, name: user.name } };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function authenticate(email: string, password: string): Promise<Account | undefined> {
  const user = USERS.find((u) => u.email === email.trim().toLowerCase());
  return user && sameSecret(user.password, password) ? toAccount(user) : undefined;
}

export async function findUser(id: string): Promise<Account | undefined> {
  const user = USERS.find((u) => u.id === id);
  return user ? toAccount(user) : undefined;
}

export function isAdmin(id: string | undefined): boolean {
  return USERS.some((u) => u.id === id && u.admin);
}
